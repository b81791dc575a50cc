# relulab_add_plugin(<name> <source>...)
# Builds a relulab plugin: a shared library named lib<name>.so, linked only to
# the SDK, placed where relulab looks for plugins.
function(relulab_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE relulab::sdk)
  if(DEFINED RELULAB_BUILD_PLUGIN_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${RELULAB_BUILD_PLUGIN_DIR})
  endif()
  if(DEFINED RELULAB_INSTALL_PLUGIN_SUBDIR)
    install(TARGETS ${name} LIBRARY DESTINATION ${RELULAB_INSTALL_PLUGIN_SUBDIR})
  endif()
endfunction()
