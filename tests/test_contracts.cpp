// The contract of each plugin kind (framework/src/registry/contracts.cpp), run over
// every plugin the registry holds: a new bundled plugin is checked without
// being added to any list. And the checks are seen to fail on plugins that
// break them (tests/fixtures/contract_breakers.cpp).
#include <catch2/catch.hpp>

#include "registry/contracts.hpp"
#include "support.hpp"

#include <relulab/io/npy.hpp>

using namespace relulab;
using namespace relulab::test;

namespace {

// The keys a bundled plugin cannot run without: its own files.
std::vector<std::string> sets_for(const std::string& plugin, const fs::path& dir) {
  if (plugin != "npy_dataset") return {};
  Rng draw(3);
  std::vector<double> X(60 * 3), y(60);
  for (auto& x : X) x = draw.normal();
  for (auto& v : y) v = draw.normal();
  write_text(dir / "X.npy", io::npy::encode(X.data(), {60, 3}));
  write_text(dir / "y.npy", io::npy::encode(y.data(), {60}));
  return {"X=\"" + (dir / "X.npy").string() + "\"", "y=\"" + (dir / "y.npy").string() + "\""};
}

}  // namespace

TEST_CASE("every registered plugin keeps the contract of its kind", "[contracts]") {
  const fs::path dir = temp_dir("contracts");
  std::size_t checked = 0;
  for (const auto& plugin : registry().plugins()) {
    const auto results = host::check_contracts(registry(), plugin, {sets_for(plugin.descriptor.name, dir), {}});
    for (const auto& c : results) {
      INFO(plugin.descriptor.name << ": " << c.name << ": " << c.detail);
      CHECK(c.verdict != host::ContractCheck::Verdict::Failed);
      // Only allocation counts may be skipped, where they are not counted (ASan), and the checks of an
      // optional capability ("if offered") the plugin does not offer.
      if (c.verdict == host::ContractCheck::Verdict::Skipped)
        CHECK((!kCountsAllocations || c.name.find("if offered") != std::string::npos));
    }
    // The schema checks and at least one check of the kind's own.
    CHECK(results.size() >= 4);
    ++checked;
  }
  CHECK(checked == registry().plugins().size());
  fs::remove_all(dir);
}

TEST_CASE("the contract fails a plugin that breaks it, on the promise it breaks", "[contracts]") {
  host::Registry reg;
  reg.add_search_dir(fs::path(RELULAB_TEST_FOREIGN_DIR) / "contract", "test");
  reg.add_search_dir(RELULAB_TEST_PLUGIN_DIR, "build tree");  // the bundled plugins of the rig
  reg.scan();
  auto failures = [&](const std::string& name) {
    const host::LoadedPlugin* p = reg.find_any(name);
    REQUIRE(p);
    std::vector<std::string> failed;
    for (const auto& c : host::check_contracts(reg, *p))
      if (c.verdict == host::ContractCheck::Verdict::Failed) failed.push_back(c.name);
    return failed;
  };
  using V = std::vector<std::string>;
  CHECK(failures("forgetful_momentum") == V{"a checkpointed and resumed run ends on the same bytes"});
  CHECK(failures("half_slope") == V{"its derivative agrees with central differences"});
  CHECK(failures("clock_data") == V{"the same seed draws the same samples, of the declared shape"});
  if (kCountsAllocations) CHECK(failures("leaky_clip") == V{"its steps allocate nothing"});
}

TEST_CASE("relulab check-plugin prints each check and fails with the plugin", "[contracts][cli]") {
  const auto good = run_command(relulab_exe() + " check-plugin warmup");
  CHECK(good.exit_code == 0);
  CHECK_THAT(good.out, Catch::Matchers::Contains("PASS  a checkpointed and resumed run ends on the same bytes") &&
                           Catch::Matchers::Contains("every check passed"));
  const auto bad =
      run_command(relulab_exe() + " check-plugin half_slope --plugin-path " RELULAB_TEST_FOREIGN_DIR "/contract");
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.out, Catch::Matchers::Contains("FAIL  its derivative agrees with central differences") &&
                          Catch::Matchers::Contains("1 check(s) failed"));
  const auto missing = run_command(relulab_exe() + " check-plugin no_such_plugin");
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Matchers::Contains("no plugin called 'no_such_plugin'"));
}
