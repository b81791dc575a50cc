// Warm start: [model] warm_start = "runs/..." starts the model from an earlier
// run's weights (its final ones, else its checkpoint), after checking that the
// earlier run trained on the same data.
#pragma once

#include "config/config.hpp"

#include <relulab/relulab.hpp>

namespace relulab::host {

// Throws ConfigError at the warm_start key when the source cannot be used.
void apply_warm_start(const Experiment& ex, Model& model, const Dataset& train);

}  // namespace relulab::host
