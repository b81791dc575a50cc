#include "run/recorder.hpp"

#include "io/output.hpp"
#include "run/runner.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace relulab::host {

MetricRecorder::MetricRecorder(const Experiment& ex, std::vector<std::unique_ptr<Metric>>& metrics)
    : ex_(ex), metrics_(metrics) {
  for (auto& m : metrics_) {
    first_column_.push_back(columns_.size());
    for (auto c : m->columns()) {
      if (std::find(columns_.begin(), columns_.end(), c) != columns_.end())
        c += "_" + std::to_string(first_column_.size() - 1);
      columns_.push_back(c);
    }
  }
  first_column_.push_back(columns_.size());
  last_.assign(columns_.size(), NAN);
  row_.assign(columns_.size(), NAN);
}

std::span<const double> MetricRecorder::last_of(std::size_t metric) const {
  return {last_.data() + first_column_[metric], first_column_[metric + 1] - first_column_[metric]};
}

// A metrics.csv shorter than its checkpoint counts has lost rows the run
// cannot recompute without starting over (the file was cut, or its rows never
// reached the disk): refused, before anything is changed. Extending it would
// pad it with NUL bytes. This also bounds the size read from the checkpoint.
void MetricRecorder::refuse_short_file(std::uintmax_t resume_bytes) const {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path_, ec);
  if (ec || size < resume_bytes)
    throw OutputError(path_.string() + " holds " + (ec ? std::string("no readable file") : std::to_string(size) + " bytes") +
                      " but the checkpoint counts " + std::to_string(resume_bytes) +
                      ": rows recorded before the checkpoint are missing (the file was cut, or its rows had not reached "
                      "the disk before a crash). Nothing was changed. Restore the file, or start over with --fresh.");
}

void MetricRecorder::start(const fs::path& csv_path, std::uintmax_t resume_bytes, bool resume) {
  path_ = csv_path;
  if (resume) {
    refuse_short_file(resume_bytes);
    fs::resize_file(path_, resume_bytes);  // drop rows written after the checkpoint
  } else {
    std::string header = "iteration,time";
    for (const auto& c : columns_) header += "," + c;
    write_file_atomic(path_, header + "\n");
  }
  csv_.open(path_, std::ios::app | std::ios::binary);
  if (!csv_) throw OutputError("cannot append to " + path_.string() + ": " + std::strerror(errno));
  complete_bytes_ = fs::file_size(path_);
}

void MetricRecorder::evaluate(std::size_t i, const Snapshot& snapshot) {
  const std::size_t lo = first_column_[i], hi = first_column_[i + 1];
  try {
    metrics_[i]->evaluate(snapshot, std::span<double>(row_.data() + lo, hi - lo));
  } catch (const Interrupted&) {
    throw;  // a stop request, not a failure: the runner saves the run as it was before this record
  } catch (const OutputError&) {
    throw;  // the host's own write (a full disk under a snapshot): reported as such, not as the plugin's fault
  } catch (const std::exception& e) {
    throw PluginFailure("metric plugin '" + ex_.metrics[i].plugin->descriptor.name + "' (" + ex_.metrics[i].table +
                        ") failed at iteration " + std::to_string(snapshot.iteration) + ": " + e.what());
  }
  std::copy(row_.begin() + lo, row_.begin() + hi, last_.begin() + lo);
}

void MetricRecorder::record(const Snapshot& snapshot, const std::vector<bool>& due) {
  std::string line = std::to_string(snapshot.iteration) + "," + format_number(snapshot.time);
  for (std::size_t i = 0; i < metrics_.size(); ++i) {
    if (due[i]) evaluate(i, snapshot);
    for (std::size_t c = first_column_[i]; c < first_column_[i + 1]; ++c)
      line += "," + (due[i] ? format_number(row_[c]) : std::string());
  }
  append(line);
}

void MetricRecorder::append(const std::string& line) {
  csv_ << line << '\n' << std::flush;  // a killed run keeps every recorded row
  if (!csv_) {
    // Cut a half-written row off, so the file holds whole rows only.
    const std::string why = std::strerror(errno);
    csv_.close();
    std::error_code ec;
    fs::resize_file(path_, complete_bytes_, ec);
    throw OutputError("cannot append to " + path_.string() + ": " + why);
  }
  complete_bytes_ += line.size() + 1;
}

std::uintmax_t MetricRecorder::flush() {
  csv_.flush();
  sync_file(path_);  // on disk before the checkpoint that counts these rows
  return fs::file_size(path_);
}

}  // namespace relulab::host
