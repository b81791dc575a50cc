// Run folders are named by a hash of the resolved configuration, and finished
// runs are found again by that name: a change in how relulab spells or
// resolves a configuration must not rename the folders of existing
// experiment files. The names below were printed by `relulab run FILE
// --dry-run` at commit acced78 (plugin ABI 5), before learning-rate schedules
// became a policy and `loss = "..."` and `two_layer_relu` became aliases.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <sstream>

using namespace relulab::test;

namespace {

struct Named {
  const char* file;
  const char* folder;
};

const Named kRecorded[] = {
    {"experiments/compare_optimizers.toml", "compare_optimizers-f875e05022"},
    {"experiments/early_alignment.toml", "early_alignment-00080a798c"},
    {"experiments/gf_vs_gd.toml", "gf_vs_gd-b57e1a5dd1"},
    {"experiments/lyu2021/a_width.toml", "lyu2021_a_width-62d34af5eb"},
    {"experiments/lyu2021/a_width_quick.toml", "lyu2021_a_width_quick-35c39e26df"},
    {"experiments/lyu2021/b_early_phase.toml", "lyu2021_b_early_phase-bbfb4d7a0e"},
    {"experiments/lyu2021/b_early_phase_quick.toml", "lyu2021_b_early_phase_quick-6fcb95020a"},
    {"experiments/lyu2021/c_fragile.toml", "lyu2021_c_fragile-b05ff2f367"},
    {"experiments/lyu2021/c_fragile_quick.toml", "lyu2021_c_fragile_quick-33898ce96d"},
    {"experiments/paper/concentration.toml", "concentration-f818004ac6"},
    {"experiments/paper/concentration_quick.toml", "concentration_quick-d1526b04da"},
    {"experiments/paper/d10_threshold.toml", "d10_threshold-e336b34cd1"},
    {"experiments/paper/d10_threshold_quick.toml", "d10_threshold_quick-5063f86ec5"},
    {"experiments/paper/fig1_gelu.toml", "fig1_gelu-730cafc4ce"},
    {"experiments/paper/fig1_gelu_quick.toml", "fig1_gelu_quick-075d857d12"},
    {"experiments/paper/fig1_linear_threshold.toml", "fig1_linear_threshold-bafe595140"},
    {"experiments/paper/fig1_linear_threshold_quick.toml", "fig1_linear_threshold_quick-08d9cc799b"},
    {"experiments/paper/fig1_threshold_search_quick.toml", "fig1_threshold_search_quick-search-082ec7914a"},
    {"experiments/paper/fig2_lr_decay.toml", "fig2_lr_decay-a9f42d7631"},
    {"experiments/paper/fig2_lr_decay_quick.toml", "fig2_lr_decay_quick-eb6dd6388d"},
    {"experiments/paper/fig3_relu_teacher.toml", "fig3_relu_teacher-b09c78f2ce"},
    {"experiments/paper/fig3_relu_teacher_quick.toml", "fig3_relu_teacher_quick-614c6ec096"},
    {"experiments/paper/full_scale/fig1_adam.toml", "fig1_adam-21b563e060"},
    {"experiments/paper/full_scale/fig1_float32_check.toml", "fig1_float32_check-bd42673945"},
    {"experiments/paper/full_scale/fig1_seeds.toml", "fig1_seeds-ade9692c36"},
    {"experiments/paper/full_scale/threshold_grid.toml", "threshold_grid-search-a5e0978cc1"},
    {"experiments/paper/theorem2_two_cones.toml", "theorem2_two_cones-e25d93ada8"},  // init = "dominated" since issue 36
    {"experiments/paper/theorem2_two_cones_quick.toml", "theorem2_two_cones_quick-7975601a7a"},
    {"experiments/quickstart.toml", "quickstart-fb5eaa6612"},
};

}  // namespace

TEST_CASE("every bundled experiment file keeps the run folder name it had before the renames", "[config][hash]") {
  for (const auto& [file, folder] : kRecorded) {
    DYNAMIC_SECTION(file) {
      std::ostringstream command;  // (not operator+ chains: GCC 12 warns falsely on them here, PR 105329)
      command << relulab_exe() << " run " RELULAB_TEST_SOURCE_DIR "/" << file << " --dry-run";
      const auto r = run_command(command.str());
      INFO(r.out << r.err);
      REQUIRE(r.exit_code == 0);
      CHECK_THAT(r.out, Catch::Matchers::Contains(std::string("runs/") + folder));
    }
  }
}
