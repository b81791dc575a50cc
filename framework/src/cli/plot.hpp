// Figures through gnuplot. With no options, `relulab plot DIR` draws the
// natural figure of what DIR holds:
//   a run:    its losses against the iteration, with the noise level σ²;
//   a sweep:  final losses against the swept numeric key (means with error
//             bars over seeds), one line per value of the other swept keys;
//   a search: the measured statistic at every evaluated point, the criterion
//             and the bracket.
// Axes go on a log scale where the values span more than two decades (or the
// sweep axis was written with logspace); columns are labelled with the
// metrics' own column labels (summary.json's "labels").
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace relulab::host {

struct PlotOptions {
  std::filesystem::path dir;  // a run, sweep or search directory
  std::string x;  // a swept key (sweep) or iteration/time (run); empty: the natural one
  std::vector<std::string> y;  // metric columns; empty: the losses (else every column)
  std::optional<bool> logx, logy;  // unset: chosen from the data
  std::filesystem::path out;  // .png or .svg; empty: <dir>/plot.png (search: <dir>/search.png)
  std::string title;  // empty: named after the experiment
};

// One line of a figure.
struct Series {
  std::string title;
  std::vector<std::array<double, 3>> points;  // x, mean, standard deviation (NaN: none)
  bool reference = false;  // a level to compare with (σ², a criterion): a dashed grey line
  int colour = -1;  // index into gnuplot's line colours; -1: the series' own
  bool dashed = false;  // test columns, beside their solid train column
};

// What gnuplot is given.
struct Figure {
  std::vector<Series> series;
  std::string xlabel, ylabel, title;
  bool logx = false, logy = false;
  std::optional<std::pair<double, double>> band;  // shaded x interval (a search's bracket)
};

// The fields of one line of the CSV files relulab writes (no quoting; a trailing comma is an empty field).
std::vector<std::string> split_csv_line(const std::string& line);

// Draws the figure with gnuplot into `out` and returns it. Throws std::runtime_error when gnuplot is missing
// or fails, or when there is nothing to draw.
std::filesystem::path draw(const Figure& figure, const std::filesystem::path& out);

// Writes the figure of o.dir and returns its path. Throws std::runtime_error with a message saying what is
// wrong (unknown column, no gnuplot, ...).
std::filesystem::path plot(const PlotOptions& options);

}  // namespace relulab::host
