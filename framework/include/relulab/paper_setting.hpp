// For plugins whose mathematics assumes the first paper's setting (a ReLU
// network trained on the squared error: the extremal vectors, the drift,
// Theorem 2; docs/science.md sections 3 and 4).
#pragma once

#include <relulab/loss.hpp>
#include <relulab/model.hpp>
#include <relulab/params.hpp>
#include <relulab/plugin.hpp>

#include <string>

namespace relulab {

// Throws a ParameterError at the plugin's `plugin` key when the experiment
// leaves that setting (another activation or loss).
inline void require_relu_and_squared_error(const BuildContext& ctx, const std::string& plugin) {
  const std::string activation = ctx.model ? ctx.model->view().activation : "relu";
  const std::string loss = ctx.loss ? ctx.loss->name() : "mse";
  if (activation != "relu" || loss != "mse")
    throw ParameterError("plugin", plugin +
                                       " assumes a ReLU network trained on the squared error (docs/science.md "
                                       "sections 3 and 4); this experiment has activation " +
                                       activation + " and loss " + loss);
}

}  // namespace relulab
