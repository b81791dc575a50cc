// The squared error (h - y)^2, the default loss (docs/science.md §1): the
// SDK's SquaredError, the same class the model falls back on without a loss.
#include <relulab/relulab.hpp>

namespace {

using namespace relulab;

class Mse final : public SquaredError {
 public:
  Mse(const Params&, const BuildContext&) {}
};

PluginDescriptor describe() {
  return make_plugin<Mse>("mse", "1.0.0", "squared error (h - y)^2, averaged over samples (the default)", Schema{});
}

}  // namespace

RELULAB_PLUGIN(describe)
