#include "run/outcome.hpp"

#include <csignal>

namespace relulab::host {

namespace {
constexpr Outcome kOutcomes[] = {Outcome::Completed, Outcome::Stopped, Outcome::Diverged, Outcome::Interrupted, Outcome::Failed,
                                 Outcome::NotRun};
}

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Completed: return "completed";
    case Outcome::Stopped: return "stopped";
    case Outcome::Diverged: return "diverged";
    case Outcome::Interrupted: return "interrupted";
    case Outcome::Failed: return "failed";
    case Outcome::NotRun: return "not run";
  }
  return "?";
}

std::optional<Outcome> parse_outcome(std::string_view name) {
  for (Outcome o : kOutcomes)
    if (name == outcome_name(o)) return o;
  return std::nullopt;
}

int exit_code(Outcome outcome, int signal_number) {
  switch (outcome) {
    case Outcome::Completed:
    case Outcome::Stopped:
    case Outcome::NotRun: return 0;
    case Outcome::Diverged: return 3;
    case Outcome::Failed: return 2;
    case Outcome::Interrupted: return 128 + (signal_number ? signal_number : SIGINT);
  }
  return 2;
}

}  // namespace relulab::host
