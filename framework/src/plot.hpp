// Figures through gnuplot: a sweep's final metrics against a swept key (mean
// and standard deviation over seeds), or one run's training curves.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

namespace relulab::host {

struct PlotOptions {
  std::filesystem::path dir;   // a sweep directory or a run directory
  std::string x;               // a swept key (sweep) or iteration/time (run)
  std::vector<std::string> y;  // metric columns; empty: all of them
  bool logx = false, logy = false;
  std::filesystem::path out;   // .png or .svg; empty: <dir>/plot.png
  std::string title;
};

// One line of a figure.
struct Series {
  std::string title;
  std::vector<std::array<double, 3>> points;  // x, mean, standard deviation (NaN: none)
};

// Draws the series with gnuplot into o.out (o.dir / "plot.png" when empty) and returns its path.
// The fields of one line of the CSV files relulab writes (no quoting; a trailing comma is an empty field).
std::vector<std::string> split_csv_line(const std::string& line);

std::filesystem::path draw(const std::vector<Series>& series, const PlotOptions& o, const std::string& ylabel);

// Writes the figure and returns its path. Throws std::runtime_error with a
// message saying what is wrong (unknown column, no gnuplot, ...).
std::filesystem::path plot(const PlotOptions& options);

}  // namespace relulab::host
