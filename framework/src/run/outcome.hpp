// How a run or a sweep cell ended, as a value: the runner, sweeps, MPI ranks
// and the CLI's exit code all read this, never a message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace relulab::host {

enum class Outcome {
  Completed,  // reached its horizon
  Stopped,  // ended early where an [experiment] stop condition held (a result, like Completed)
  Diverged,  // the loss or the weights stopped being finite (recorded, not an error)
  Interrupted,  // a signal stopped it after a checkpoint; the same command resumes it
  Failed,  // a plugin or the output threw; what was written stays
  NotRun,  // a sweep cell this process did not run (another shard or rank, or a stop)
};

// The word written to summary.json ("completed", "diverged", ...).
const char* outcome_name(Outcome outcome);
// The inverse, for summaries on disk; nothing for an unknown word.
std::optional<Outcome> parse_outcome(std::string_view name);

// A run that ended as planned, at its horizon or at a stop condition: final weights, figures, a result.
inline bool ended_as_planned(Outcome o) { return o == Outcome::Completed || o == Outcome::Stopped; }

// The CLI's exit code: 0 completed or stopped by a condition, 3 diverged, 2 failed, 128 + signal interrupted.
int exit_code(Outcome outcome, int signal_number);

}  // namespace relulab::host
