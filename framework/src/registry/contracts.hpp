// What every plugin of a kind promises, checked on any plugin the registry
// holds, bundled or a researcher's own. `relulab check-plugin NAME` runs these
// checks, and the test suite runs them over every bundled plugin, so a new
// plugin is checked without anyone adding it to a list.
//
// Each plugin is checked inside a small experiment of bundled plugins (the
// rig: linear_teacher, two_layer, mse, sgd), with its own keys at their
// defaults unless set:
//   every kind   its defaults satisfy its schema; the resolved configuration
//                reads back to the same run; a bad value of each key is refused
//                at its line in the file
//   optimizer,   a run stopped, checkpointed through the host's file, restored
//   policy       into fresh objects and finished ends on the same bytes as a
//                run straight through; no heap allocation between reports
//   data         the same seed draws the same samples, a longer draw starts
//                with them, and the shapes are the declared ones
//   model        the gradient against central differences; no allocation in
//                loss_and_gradient; the same seed gives the same start
//   loss         the derivative against central differences of the value; no
//                allocation in accumulate
//   metric       columns and values are the same after a checkpoint
#pragma once

#include "registry/registry.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace relulab::host {

struct ContractCheck {
  enum class Verdict { Passed, Failed, Skipped };
  std::string name;  // "resumes bit for bit"
  Verdict verdict = Verdict::Passed;
  std::string detail;  // what was measured, or why it failed or was skipped
};

struct ContractOptions {
  // KEY=VALUE for the checked plugin's own keys (a data set's file, ...).
  std::vector<std::string> sets;
  // Scratch space (the checkpoint round trip); a temporary folder when empty.
  std::filesystem::path work_dir;
};

std::vector<ContractCheck> check_contracts(Registry& registry, const LoadedPlugin& plugin,
                                           const ContractOptions& options = {});

// "PASS", "FAIL" or "skip"
const char* verdict_text(ContractCheck::Verdict v);

}  // namespace relulab::host
