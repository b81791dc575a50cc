// Plugin discovery, loading and refusal.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <sys/stat.h>

using namespace relulab;
using namespace relulab::test;
using Catch::Matchers::Contains;

namespace {

const fs::path foreign = RELULAB_TEST_FOREIGN_DIR;

bool mapped_into_process(const fs::path& file) {
  return slurp("/proc/self/maps").find(fs::canonical(file).string()) != std::string::npos;
}

}  // namespace

TEST_CASE("the build tree's plugins are found with their kinds", "[registry]") {
  auto& reg = registry();
  CHECK(reg.names(PluginKind::DataGenerator) ==
        std::vector<std::string>{"linear_classifier", "linear_teacher", "npy_dataset", "relu_teacher"});
  CHECK(reg.names(PluginKind::Model) == std::vector<std::string>{"two_layer"});
  CHECK(reg.find(PluginKind::Model, "two_layer_relu") == reg.find(PluginKind::Model, "two_layer"));  // the old name
  CHECK(reg.names(PluginKind::Loss) == std::vector<std::string>{"exponential", "log_logistic", "logistic", "mse"});
  CHECK(reg.names(PluginKind::Optimizer) == std::vector<std::string>{"adam", "gradient_flow", "momentum", "sgd"});
  CHECK(reg.names(PluginKind::Metric) == std::vector<std::string>{"alignment", "drift_concentration",
                                                                  "extremal_vectors", "gradient_norm", "hessian_spectrum", "losses", "margin",
                                                                  "neuron_clusters", "neuron_snapshots", "sharpness", "theorem2"});
  CHECK(reg.refused().empty());
}

TEST_CASE("every declared default satisfies its own schema", "[registry]") {
  for (const auto& p : registry().plugins()) {
    CHECK(!p.descriptor.summary.empty());
    CHECK(!p.descriptor.version.empty());
    for (const auto& s : p.descriptor.schema.specs()) {
      INFO(p.descriptor.name << "." << s.name);
      CHECK(!s.doc.empty());
      if (!s.default_value) continue;
      if (auto* d = std::get_if<double>(&*s.default_value)) CHECK(s.check_number(*d).empty());
      if (auto* i = std::get_if<std::int64_t>(&*s.default_value)) CHECK(s.check_number(double(*i)).empty());
      if (auto* t = std::get_if<std::string>(&*s.default_value)) CHECK(s.check_choice(*t).empty());
    }
  }
}

TEST_CASE("a plugin built for another ABI is refused before it is loaded", "[registry]") {
  host::Registry reg;
  reg.add_search_dir(foreign / "abi", "test");
  reg.scan();
  CHECK(reg.plugins().empty());
  REQUIRE(reg.refused().size() == 1);
  CHECK_THAT(reg.refused()[0].reason,
             Contains("built for plugin ABI 999, but this relulab speaks ABI " + std::to_string(kAbiVersion)) &&
                 Contains("rebuild the plugin"));
  // library_info read its symbols from the file: it was never mapped, so none of its code ran.
  CHECK(!mapped_into_process(reg.refused()[0].path));
}

TEST_CASE("a plugin built with another toolchain is refused", "[registry]") {
  host::Registry reg;
  reg.add_search_dir(foreign / "toolchain", "test");
  reg.scan();
  CHECK(reg.plugins().empty());
  REQUIRE(reg.refused().size() == 1);
  CHECK_THAT(reg.refused()[0].reason, Contains("built with toolchain clang99_libcxx_eigen3x3x9_align32") &&
                                          Contains(kToolchainTag) && Contains("rebuild the plugin"));
  CHECK(!mapped_into_process(reg.refused()[0].path));
}

TEST_CASE("a library that is not a plugin is ignored with a reason", "[registry]") {
  host::Registry reg;
  reg.add_search_dir(foreign / "other", "test");
  reg.scan();
  CHECK(reg.plugins().empty());
  REQUIRE(reg.ignored().size() == 1);
  CHECK_THAT(reg.ignored()[0].reason, Contains("not a relulab plugin"));
}

TEST_CASE("two plugins of one name in one folder: the second is refused", "[registry]") {
  host::Registry reg;
  reg.add_search_dir(foreign / "duplicate", "test");
  reg.scan();
  REQUIRE(reg.plugins().size() == 1);
  REQUIRE(reg.refused().size() == 1);
  CHECK_THAT(reg.refused()[0].reason, Contains("declares the plugin name 'sgd', already taken by"));
}

TEST_CASE("an earlier folder shadows a later one", "[registry]") {
  host::Registry reg;
  reg.add_search_dir(RELULAB_TEST_PLUGIN_DIR, "build tree");
  reg.add_search_dir(foreign / "duplicate", "test");
  reg.scan();
  CHECK(reg.find(PluginKind::Optimizer, "sgd")->path.parent_path() == fs::path(RELULAB_TEST_PLUGIN_DIR));
  CHECK(reg.shadowed().size() == 2);
}

TEST_CASE("world-writable plugin files and folders are refused", "[registry]") {
  const fs::path dir = temp_dir("ww");
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                           fs::perms::others_exec);
  const fs::path lib = dir / "libsgd.so";
  fs::copy_file(fs::path(RELULAB_TEST_PLUGIN_DIR) / "libsgd.so", lib);
  SECTION("file") {
    ::chmod(lib.c_str(), 0757);
    host::Registry reg;
    reg.add_search_dir(dir, "test");
    reg.scan();
    CHECK(reg.plugins().empty());
    REQUIRE(reg.refused().size() == 1);
    CHECK_THAT(reg.refused()[0].reason,
               Contains("file " + lib.string() + " is world-writable") && Contains("chmod o-w " + lib.string()));
  }
  SECTION("folder") {
    ::chmod(lib.c_str(), 0755);
    ::chmod(dir.c_str(), 0777);
    host::Registry reg;
    reg.add_search_dir(dir, "test");
    reg.scan();
    CHECK(reg.plugins().empty());
    REQUIRE(reg.refused().size() == 1);
    CHECK_THAT(reg.refused()[0].reason, Contains("folder " + dir.string() + " is world-writable"));
  }
  SECTION("the same file with safe permissions loads") {
    ::chmod(lib.c_str(), 0755);
    host::Registry reg;
    reg.add_search_dir(dir, "test");
    reg.scan();
    CHECK(reg.find(PluginKind::Optimizer, "sgd"));
  }
  fs::remove_all(dir);
}

TEST_CASE("an experiment's plugin_paths are searched relative to its file", "[registry]") {
  const fs::path dir = temp_dir("pp");
  fs::create_directories(dir / "myplugins");
  fs::copy_file(fs::path(RELULAB_TEST_PLUGIN_DIR) / "libsgd.so", dir / "myplugins" / "libsgd.so");
  write_text(dir / "exp.toml", "[experiment]\nplugin_paths = [\"myplugins\"]\n" +
                                   small_experiment().substr(small_experiment().find("[data]")));
  host::Registry reg;  // knows nothing but what the experiment names...
  reg.add_search_dir(RELULAB_TEST_PLUGIN_DIR, "build tree");
  auto ex = host::validate_experiment(host::parse_experiment_file(dir / "exp.toml"), reg);
  // ...and the experiment's folder, searched after the ones given before, shadows nothing here.
  CHECK(reg.search_dirs().back().first == dir / "myplugins");
  CHECK(ex.optimizer.plugin->descriptor.name == "sgd");
  fs::remove_all(dir);
}

TEST_CASE("a library whose entry throws is refused with the plugin's message", "[registry][errors]") {
  host::Registry reg;
  reg.add_search_dir(foreign / "faulty_describe", "test");
  reg.scan();
  CHECK(reg.plugins().empty());
  REQUIRE(reg.refused().size() == 1);
  CHECK_THAT(reg.refused()[0].reason, Contains("faulty_describe: cannot describe itself"));
}

TEST_CASE("a library whose entry throws a non-standard exception, or is null, is refused, and the others load",
          "[registry][errors]") {
  host::Registry reg;
  reg.add_search_dir(foreign / "faulty_throws_int", "test");
  reg.add_search_dir(foreign / "faulty_null_entry", "test");
  reg.add_search_dir(RELULAB_TEST_PLUGIN_DIR, "build tree");
  reg.scan();
  REQUIRE(reg.refused().size() == 2);
  CHECK_THAT(reg.refused()[0].reason, Contains("threw something that is not a std::exception"));
  CHECK_THAT(reg.refused()[1].reason, Contains("is a null pointer"));
  CHECK(reg.find(PluginKind::Optimizer, "sgd") != nullptr);  // every other plugin still loads
}

TEST_CASE("a symlink loop in a plugin folder is ignored with its reason, and commands go on", "[registry][errors]") {
  const fs::path dir = temp_dir("symloop");
  fs::create_directories(dir / "plugins");
  fs::create_symlink("libloop.so", dir / "plugins" / "libloop.so");  // points at itself
  host::Registry reg;
  reg.add_search_dir(dir / "plugins", "test");
  reg.add_search_dir(RELULAB_TEST_PLUGIN_DIR, "build tree");
  REQUIRE_NOTHROW(reg.scan());
  bool reported = false;
  for (const auto& i : reg.ignored())
    if (i.path == dir / "plugins" / "libloop.so") reported = true;
  CHECK(reported);
  // The CLI with that folder on its path: `plugins` lists, `validate` validates.
  write_text(dir / "e.toml", small_experiment(100));
  for (const std::string& command : {std::string("plugins"), "validate " + (dir / "e.toml").string()}) {
    const auto r = run_command(relulab_exe() + " --plugin-path " + (dir / "plugins").string() + " " + command);
    INFO(command << ": " << r.err);
    CHECK(r.exit_code == 0);
  }
  const auto listed = run_command(relulab_exe() + " --plugin-path " + (dir / "plugins").string() + " plugins");
  CHECK_THAT(listed.out + listed.err, Contains("libloop.so"));
  fs::remove_all(dir);
}
