# relulab_add_plugin(<name> <source>...)
# Builds a relulab plugin: a shared library named lib<name>.so, linked only to
# the SDK. Inside relulab's own build it lands in the build tree's plugin
# folder; in an out-of-tree project (after find_package(relulab)) it lands in
# <build>/plugins, the folder to put on relulab's plugin path, and installs to
# <prefix>/lib/relulab/plugins.
function(relulab_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  set_property(GLOBAL APPEND PROPERTY RELULAB_PLUGIN_TARGETS ${name})  # the tests depend on every plugin
  target_link_libraries(${name} PRIVATE relulab::sdk)
  if(RELULAB_NATIVE)
    target_compile_options(${name} PRIVATE -march=native)
  endif()
  if(DEFINED RELULAB_BUILD_PLUGIN_DIR)
    set(output ${RELULAB_BUILD_PLUGIN_DIR})
  else()
    set(output ${CMAKE_BINARY_DIR}/plugins)
  endif()
  set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${output})
  if(DEFINED RELULAB_INSTALL_PLUGIN_SUBDIR)
    install(TARGETS ${name} LIBRARY DESTINATION ${RELULAB_INSTALL_PLUGIN_SUBDIR})
  else()
    include(GNUInstallDirs)
    install(TARGETS ${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/relulab/plugins)
  endif()
endfunction()
