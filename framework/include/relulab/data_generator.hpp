// Data generator interface: where the training set comes from. A data set on
// disk needs only dim() and sample(); a teacher (a known f* and input law)
// also offers the Teacher capability and the closed forms it knows (teacher.hpp).
#pragma once

#include <relulab/dataset.hpp>
#include <relulab/plugin_object.hpp>
#include <relulab/rng.hpp>

namespace relulab {

class DataGenerator : public PluginObject {
 public:
  virtual Index dim() const = 0;

  // n labelled samples. Samples are drawn one after the other, so the first n
  // samples of a larger draw with the same stream are the same samples.
  virtual Dataset sample(Index n, Rng& rng) const = 0;

  // The held-out set a data set comes with (its test files), or null. Metrics
  // draw fresh test samples only from a teacher (sample() of a data set on
  // disk would reuse its rows); without a teacher they use this, or report none.
  virtual const Dataset* test_set() const { return nullptr; }
};

}  // namespace relulab
