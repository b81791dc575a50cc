#include "plot.hpp"

#include "output.hpp"
#include "sweep_table.hpp"

#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace relulab::host {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string cell; std::getline(ss, cell, ',');) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

namespace {

std::size_t column(const std::vector<std::string>& header, const std::string& name, const std::string& what) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  std::string known;
  for (const auto& h : header) known += (known.empty() ? "" : ", ") + h;
  throw std::runtime_error("no " + what + " '" + name + "'; available: " + known);
}

bool number(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end && *end == '\0' && std::isfinite(v);
}

std::vector<Series> sweep_series(const PlotOptions& o, std::vector<std::string>& ys) {
  const Table t = sweep_table(o.dir);
  const std::size_t xi = column(t.header, o.x, "swept key");
  const std::size_t status = column(t.header, "status", "column");
  if (ys.empty()) ys.assign(t.header.begin() + static_cast<long>(status) + 1, t.header.end());
  std::vector<Series> out;
  for (const auto& y : ys) {
    const std::size_t yi = column(t.header, y, "metric");
    // Series per combination of the other swept keys, seeds excepted: seeds are averaged.
    std::map<std::string, std::map<double, std::vector<double>>> groups;
    for (const auto& row : t.rows) {
      double xv, yv;
      if (row[status] != "completed" || !number(row[xi], xv) || !number(row[yi], yv)) continue;
      std::string label;
      for (std::size_t c = 1; c < status; ++c)
        if (c != xi && t.header[c] != "experiment.seed") label += (label.empty() ? "" : ", ") + t.header[c] + "=" + row[c];
      groups[label][xv].push_back(yv);
    }
    for (const auto& [label, by_x] : groups) {
      Series s{label.empty() ? y : y + " (" + label + ")", {}};
      for (const auto& [xv, values] : by_x) {
        double mean = 0, sq = 0;
        for (double v : values) mean += v;
        mean /= values.size();
        for (double v : values) sq += (v - mean) * (v - mean);
        s.points.push_back({xv, mean, values.size() > 1 ? std::sqrt(sq / (values.size() - 1)) : NAN});
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::vector<Series> run_series(const PlotOptions& o, std::vector<std::string>& ys, std::string& x) {
  std::ifstream in(o.dir / "metrics.csv");
  if (!in) throw std::runtime_error(o.dir.string() + " is neither a sweep directory (sweep.json) nor a run directory (metrics.csv)");
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_line(line);
  if (x.empty()) x = "iteration";
  const std::size_t xi = column(header, x, "column");
  if (ys.empty()) ys.assign(header.begin() + 2, header.end());
  std::vector<std::size_t> yi;
  for (const auto& y : ys) yi.push_back(column(header, y, "column"));
  std::vector<Series> out(ys.size());
  for (std::size_t k = 0; k < ys.size(); ++k) out[k].title = ys[k];
  while (std::getline(in, line)) {
    const auto cells = split_csv_line(line);
    double xv, yv;
    if (cells.size() != header.size() || !number(cells[xi], xv)) continue;
    for (std::size_t k = 0; k < yi.size(); ++k)
      if (number(cells[yi[k]], yv)) out[k].points.push_back({xv, yv, NAN});
  }
  return out;
}

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

}  // namespace

fs::path plot(const PlotOptions& options) {
  PlotOptions o = options;
  std::vector<std::string> ys = o.y;
  const bool sweep = fs::exists(o.dir / "sweep.json");
  if (sweep && o.x.empty()) throw std::runtime_error("a sweep's plot needs --x, one of its swept keys (e.g. data.n)");
  std::vector<Series> series = sweep ? sweep_series(o, ys) : run_series(o, ys, o.x);
  return draw(series, o, sweep ? "final value" : "value");
}

fs::path draw(const std::vector<Series>& series, const PlotOptions& o, const std::string& ylabel) {
  const fs::path out = o.out.empty() ? o.dir / "plot.png" : o.out;
  const std::string ext = out.extension().string();
  if (ext != ".png" && ext != ".svg") throw std::runtime_error("--out must end in .png or .svg");

  const fs::path work = fs::temp_directory_path() / ("relulab-plot-" + std::to_string(::getpid()));
  fs::create_directories(work);
  std::ostringstream script;
  script << (ext == ".png" ? "set terminal pngcairo size 960,640 enhanced font ',11'\n"
                           : "set terminal svg size 960,640 enhanced font 'sans,11'\n");
  script << "set output " << quoted(fs::absolute(out).string()) << "\n";
  script << "set xlabel " << quoted(o.x) << " noenhanced\nset ylabel " << quoted(ylabel) << " noenhanced\n";
  if (!o.title.empty()) script << "set title " << quoted(o.title) << " noenhanced\n";
  if (o.logx) script << "set logscale x\n";
  if (o.logy) script << "set logscale y\n";
  script << "set grid\nset key outside right top noenhanced\nset format y '%g'\nplot ";
  bool first = true;
  for (std::size_t k = 0; k < series.size(); ++k) {
    if (series[k].points.empty()) continue;
    const fs::path data = work / ("s" + std::to_string(k) + ".dat");
    std::ofstream f(data);
    bool bars = false;
    for (const auto& p : series[k].points) {
      f << format_number(p[0]) << ' ' << format_number(p[1]) << ' ' << (std::isnan(p[2]) ? "0" : format_number(p[2])) << '\n';
      bars = bars || !std::isnan(p[2]);
    }
    script << (first ? "" : ", ") << quoted(data.string())
           << (bars ? " using 1:2:3 with yerrorlines" : " using 1:2 with linespoints") << " lw 2 pt 7 ps 0.6 title "
           << quoted(series[k].title);
    first = false;
  }
  if (first) throw std::runtime_error("nothing to plot: no finite values in the chosen columns");
  script << "\n";
  const fs::path gp = work / "plot.gp";
  std::ofstream(gp) << script.str();
  const std::string cmd = "gnuplot " + quoted(gp.string()) + " 2>" + quoted((work / "err").string());
  const int rc = std::system(cmd.c_str());
  std::string err;
  if (rc != 0) {
    std::ifstream e(work / "err");
    std::ostringstream ss;
    ss << e.rdbuf();
    err = ss.str();
  }
  fs::remove_all(work);
  if (rc != 0)
    throw std::runtime_error(err.find("not found") != std::string::npos || rc == 127 * 256
                                 ? "gnuplot is not installed (scripts/install-deps.sh installs it)"
                                 : "gnuplot failed: " + err);
  return out;
}

}  // namespace relulab::host
