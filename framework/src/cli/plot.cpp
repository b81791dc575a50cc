#include "cli/plot.hpp"

#include "io/output.hpp"
#include "sweep/sweep_table.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
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

using Json = nlohmann::json;

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

Json read_json(const fs::path& file) {
  if (!fs::exists(file)) return Json();
  try {
    return Json::parse(read_file(file));
  } catch (const std::exception&) {
    return Json();  // a damaged file only costs the figure its labels
  }
}

// What a run's summary tells a figure: its name, the metrics' column labels, the noise level.
struct RunFacts {
  std::string name;
  std::map<std::string, std::string> labels;
  std::optional<double> noise_variance;
};

RunFacts run_facts(const fs::path& run_dir) {
  RunFacts f;
  const Json s = read_json(run_dir / "summary.json");
  if (!s.is_object()) return f;
  f.name = s.value("name", "");
  if (s.contains("labels")) f.labels = s["labels"].get<std::map<std::string, std::string>>();
  if (s.contains("noise_variance") && s["noise_variance"].is_number())
    f.noise_variance = s["noise_variance"].get<double>();
  return f;
}

std::string label_of(const std::string& column, const RunFacts& facts) {
  const auto it = facts.labels.find(column);
  return it == facts.labels.end() ? column : it->second;
}

bool is_loss(const std::string& c) {
  return c.find("mse") != std::string::npos || c.rfind("train_", 0) == 0 || c.rfind("test_", 0) == 0;
}

// The losses among the columns, else all of them.
std::vector<std::string> natural_columns(const std::vector<std::string>& columns) {
  std::vector<std::string> losses;
  std::copy_if(columns.begin(), columns.end(), std::back_inserter(losses), is_loss);
  return losses.empty() ? columns : losses;
}

// True when every value is positive and they span more than `decades` decades.
bool spans_decades(const std::vector<double>& values, double decades) {
  if (values.empty()) return false;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return *lo > 0 && std::log10(*hi / *lo) > decades;
}

std::vector<double> coordinates(const std::vector<Series>& series, std::size_t which) {
  std::vector<double> out;
  for (const auto& s : series)
    for (const auto& p : s.points) out.push_back(p[which]);
  return out;
}

// A horizontal dashed line across the x range of the data (the noise level, a criterion).
void add_level(Figure& fig, const std::string& title, double y) {
  const std::vector<double> xs = coordinates(fig.series, 0);
  if (xs.empty()) return;
  const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
  fig.series.push_back({title, {{*lo, y, NAN}, {*hi, y, NAN}}, true});
}

// y on a log scale when every value is positive and they span more than a decade.
bool natural_logy(const Figure& fig) { return spans_decades(coordinates(fig.series, 1), 1); }

// train_mse and test_mse are one family ("mse"), drawn in one colour: solid for train, dashed for test.
std::string family(const std::string& column) {
  std::string f = column;
  for (const char* part : {"train_", "test_", "train", "test"})
    if (const auto at = f.find(part); at != std::string::npos) f.erase(at, std::string(part).size());
  return f;
}

void style_by_family(Series& s, const std::string& column, const std::vector<std::string>& columns, int variant) {
  std::vector<std::string> families;
  for (const auto& c : columns)
    if (std::find(families.begin(), families.end(), family(c)) == families.end()) families.push_back(family(c));
  const auto at = std::find(families.begin(), families.end(), family(column)) - families.begin();
  s.colour = variant >= 0 ? variant : static_cast<int>(at);
  s.dashed = column.find("test") != std::string::npos;
}

std::string y_label(const std::vector<std::string>& ys, const RunFacts& facts, const std::string& what) {
  if (ys.size() == 1) return label_of(ys.front(), facts) + what;
  return std::all_of(ys.begin(), ys.end(), is_loss) ? "loss" + what : "value" + what;
}

Figure run_figure(const PlotOptions& o) {
  std::ifstream in(o.dir / "metrics.csv");
  if (!in)
    throw std::runtime_error(o.dir.string() +
                             " is neither a run (metrics.csv), a sweep (sweep.json) nor a search (search.csv) folder");
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_line(line);
  const std::string x = o.x.empty() ? "iteration" : o.x;
  const std::size_t xi = column(header, x, "column");
  const RunFacts facts = run_facts(o.dir);
  std::vector<std::string> ys = o.y;
  if (ys.empty()) ys = natural_columns(std::vector<std::string>(header.begin() + 2, header.end()));
  std::vector<std::size_t> yi;
  Figure fig;
  for (const auto& y : ys) {
    yi.push_back(column(header, y, "column"));
    fig.series.push_back({label_of(y, facts), {}});
    style_by_family(fig.series.back(), y, ys, -1);
  }
  while (std::getline(in, line)) {
    const auto cells = split_csv_line(line);
    double xv, yv;
    if (cells.size() != header.size() || !number(cells[xi], xv)) continue;
    for (std::size_t k = 0; k < yi.size(); ++k)
      if (number(cells[yi[k]], yv)) fig.series[k].points.push_back({xv, yv, NAN});
  }
  std::vector<double> xs = coordinates(fig.series, 0);
  xs.erase(std::remove_if(xs.begin(), xs.end(), [](double v) { return v <= 0; }), xs.end());
  fig.logx = o.logx.value_or(spans_decades(xs, 2));
  if (fig.logx)  // iteration 0 has no place on a log axis
    for (auto& s : fig.series) std::erase_if(s.points, [](const auto& p) { return p[0] <= 0; });
  if (facts.noise_variance && std::all_of(ys.begin(), ys.end(), is_loss))
    add_level(fig, "noise level σ²", *facts.noise_variance);
  fig.logy = o.logy.value_or(natural_logy(fig));
  fig.xlabel = x;
  fig.ylabel = y_label(ys, facts, "");
  fig.title =
      !o.title.empty() ? o.title : (facts.name.empty() ? o.dir.filename().string() : facts.name) + ": training curves";
  return fig;
}

// A cell whose final values are a result: completed, or ended early by a stop condition.
bool finished_cell(const std::string& status) { return status == "completed" || status == "stopped"; }

// A sample size without a number: data.n = "online" or "infinite" (docs/science.md §8), drawn as a level.
bool limit_word(const std::string& cell) { return cell == "online" || cell == "infinite"; }

// The swept key a figure puts on x: the numeric one (seeds aside) with the most distinct values.
// Sample sizes may mix numbers with the words "online" and "infinite".
std::string natural_x(const Table& t, std::size_t status) {
  std::string best;
  std::size_t most = 0;
  for (std::size_t c = 1; c < status; ++c) {
    std::set<double> distinct;
    bool numeric = true;
    for (const auto& row : t.rows) {
      double v;
      numeric = numeric && (number(row[c], v) || limit_word(row[c]));
      if (numeric && number(row[c], v)) distinct.insert(v);
    }
    if (numeric && t.header[c] != "experiment.seed" && distinct.size() > most)
      best = t.header[c], most = distinct.size();
  }
  if (best.empty())
    throw std::runtime_error(
        "this sweep has no numeric swept key other than experiment.seed to put on x; choose one "
        "with --x");
  return best;
}

// Mean and sample standard deviation (NaN for one value).
std::array<double, 3> mean_sd(double x, const std::vector<double>& values) {
  double mean = 0, sq = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  for (double v : values) sq += (v - mean) * (v - mean);
  return {x, mean, values.size() > 1 ? std::sqrt(sq / static_cast<double>(values.size() - 1)) : NAN};
}

// "model.activation" -> "activation": a legend names the key, the table says where it lives.
std::string short_key(const std::string& key) { return key.substr(key.rfind('.') + 1); }

// One series per metric and per combination of the other swept keys; seeds are averaged.
std::vector<Series> sweep_series(const Table& t, std::size_t xi, const std::vector<std::string>& ys,
                                 const RunFacts& facts) {
  const std::size_t status = column(t.header, "status", "column");
  std::vector<Series> out;
  for (const auto& y : ys) {
    const std::size_t yi = column(t.header, y, "metric");
    std::map<std::string, std::map<double, std::vector<double>>> groups;
    for (const auto& row : t.rows) {
      double xv, yv;
      if (!finished_cell(row[status]) || !number(row[xi], xv) || !number(row[yi], yv)) continue;
      std::string label;
      for (std::size_t c = 1; c < status; ++c)
        if (c != xi && t.header[c] != "experiment.seed")
          label += (label.empty() ? "" : ", ") + short_key(t.header[c]) + " = " + row[c];
      groups[label][xv].push_back(yv);
    }
    int variant = 0;
    for (const auto& [label, by_x] : groups) {
      Series s{label.empty() ? label_of(y, facts) : label_of(y, facts) + " (" + label + ")", {}};
      // One colour per variant when there are several; else one per family of columns.
      style_by_family(s, y, ys, groups.size() > 1 ? variant++ : -1);
      for (const auto& [xv, values] : by_x) s.points.push_back(mean_sd(xv, values));
      out.push_back(std::move(s));
    }
  }
  return out;
}

// The cells whose x is "online" or "infinite" (no place on the axis): one level per metric and
// word, the mean over their seeds, drawn across the figure as the limit of the curve. Without a
// finite training set train and test columns coincide, and the OLS line of a linear teacher is
// sigma^2 itself: a value already drawn for the word (or the noise level) is drawn once.
void add_limits(Figure& fig, const Table& t, std::size_t xi, const std::vector<std::string>& ys,
                const RunFacts& facts) {
  const std::size_t status = column(t.header, "status", "column");
  std::map<std::string, std::set<double>> drawn;
  for (const auto& y : ys) {
    const std::size_t yi = column(t.header, y, "metric");
    std::map<std::string, std::vector<double>> by_word;
    for (const auto& row : t.rows) {
      double v;
      if (finished_cell(row[status]) && limit_word(row[xi]) && number(row[yi], v)) by_word[row[xi]].push_back(v);
    }
    for (const auto& [word, values] : by_word) {
      const double level = mean_sd(0, values)[1];
      if (!drawn[word].insert(level).second || (facts.noise_variance && level == *facts.noise_variance)) continue;
      add_level(fig, label_of(y, facts) + " at n = " + (word == "infinite" ? "∞ (population)" : "online"), level);
    }
  }
}

// The facts of the sweep's first cell that has a summary.
RunFacts sweep_facts(const fs::path& dir, const Json& manifest) {
  for (const auto& c : manifest.value("cells", Json::array())) {
    RunFacts f = run_facts(dir / c.value("dir", ""));
    if (!f.labels.empty() || f.noise_variance) return f;
  }
  return {};
}

std::size_t distinct_seeds(const Table& t) {
  const auto it = std::find(t.header.begin(), t.header.end(), "experiment.seed");
  if (it == t.header.end()) return 1;
  std::set<std::string> seeds;
  for (const auto& row : t.rows) seeds.insert(row[static_cast<std::size_t>(it - t.header.begin())]);
  return seeds.size();
}

Figure sweep_figure(const PlotOptions& o) {
  const Table t = sweep_table(o.dir);
  const Json manifest = read_json(o.dir / "sweep.json");
  const std::size_t status = column(t.header, "status", "column");
  const std::string x = o.x.empty() ? natural_x(t, status) : o.x;
  const std::size_t xi = column(t.header, x, "swept key");
  std::vector<std::string> ys = o.y;
  if (ys.empty())
    ys = natural_columns(std::vector<std::string>(t.header.begin() + static_cast<long>(status) + 1, t.header.end()));
  const RunFacts facts = sweep_facts(o.dir, manifest);
  Figure fig;
  fig.series = sweep_series(t, xi, ys, facts);
  add_limits(fig, t, xi, ys, facts);
  const auto logs = manifest.value("log_keys", std::vector<std::string>{});
  fig.logx =
      o.logx.value_or(std::count(logs.begin(), logs.end(), x) > 0 || spans_decades(coordinates(fig.series, 0), 2));
  if (facts.noise_variance && std::all_of(ys.begin(), ys.end(), is_loss))
    add_level(fig, "noise level σ²", *facts.noise_variance);
  fig.logy = o.logy.value_or(natural_logy(fig));
  const std::size_t seeds = distinct_seeds(t);
  fig.xlabel = x;
  fig.ylabel = y_label(ys, facts, " (final)");
  fig.title = !o.title.empty() ? o.title
                               : manifest.value("name", o.dir.filename().string()) + ": final values" +
                                     (seeds > 1 ? ", mean ± sd over " + std::to_string(seeds) + " seeds" : "");
  return fig;
}

// search.csv: key, round, <measured>_mean, criterion_holds, seed_<s>...; search.json: criterion, bracket.
Figure search_figure(const PlotOptions& o) {
  std::ifstream in(o.dir / "search.csv");
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_line(line);
  const Json meta = read_json(o.dir / "search.json");
  if (header.size() < 4 || !meta.is_object())
    throw std::runtime_error(o.dir.string() + ": search.csv or search.json is missing or damaged");
  Series measured{header[2] + (header.size() > 5 ? " (mean ± sd over seeds)" : ""), {}};
  while (std::getline(in, line)) {
    const auto cells = split_csv_line(line);
    std::vector<double> seeds(cells.size() > 4 ? cells.size() - 4 : 0);
    double xv, mean;
    if (cells.size() != header.size() || !number(cells[0], xv) || !number(cells[2], mean)) continue;
    bool all = true;
    for (std::size_t s = 0; s < seeds.size(); ++s) all = all && number(cells[4 + s], seeds[s]);
    measured.points.push_back(all && seeds.size() > 1 ? mean_sd(xv, seeds) : std::array<double, 3>{xv, mean, NAN});
  }
  Figure fig;
  fig.series.push_back(std::move(measured));
  add_level(fig, "criterion: " + meta.value("criterion", ""), meta.value("threshold", 0.0));
  if (meta.contains("bracket") && meta["bracket"].is_array())
    fig.band = std::pair{meta["bracket"][0].get<double>(), meta["bracket"][1].get<double>()};
  fig.logx = o.logx.value_or(meta.value("log", false));
  fig.logy = o.logy.value_or(natural_logy(fig));
  fig.xlabel = header[0];
  fig.ylabel = meta.value("measured", header[2]);
  const std::string where =
      fig.band ? "bracket [" + format_number(fig.band->first) + ", " + format_number(fig.band->second) + "] (shaded)"
               : meta.value("message", "");
  fig.title = !o.title.empty() ? o.title : "threshold search on " + header[0] + ": " + where;
  return fig;
}

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

std::string preamble(const Figure& fig, const fs::path& out) {
  std::ostringstream script;
  script << (out.extension() == ".png" ? "set terminal pngcairo size 960,640 enhanced font ',11'\n"
                                       : "set terminal svg size 960,640 enhanced font 'sans,11'\n");
  script << "set output " << quoted(fs::absolute(out).string()) << "\n";
  script << "set xlabel " << quoted(fig.xlabel) << " noenhanced\nset ylabel " << quoted(fig.ylabel) << " noenhanced\n";
  // The title on the first line, the legend under it, then the axes.
  if (!fig.title.empty())
    script << "set label 1 " << quoted(fig.title) << " at screen 0.5, screen 0.975 center noenhanced font ',12'\n";
  script << "set tmargin 6\n";
  // Log axes read as powers of ten; x spans exactly the data.
  script << (fig.logx ? "set logscale x\nset format x '10^{%L}'\n" : "set format x '%g'\n");
  script << (fig.logy ? "set logscale y\nset format y '10^{%L}'\n" : "set format y '%g'\n");
  script << "set autoscale xfix\nset offsets graph 0.02, graph 0.02, graph 0.03, graph 0.03\n";
  if (fig.band)
    script << "set object 1 rect from " << format_number(fig.band->first) << ", graph 0 to "
           << format_number(fig.band->second) << ", graph 1 behind fillcolor rgb '#dddddd' fillstyle solid noborder\n";
  // The legend below the axes, never over the data.
  script << "set grid\nset key at screen 0.5, screen 0.945 center top horizontal maxcols 3 noenhanced\n";
  return script.str();
}

// Writes each series' points where gnuplot reads them and returns the plot command.
std::string plot_command(const Figure& fig, const fs::path& work) {
  std::string command;
  for (std::size_t k = 0; k < fig.series.size(); ++k) {
    const Series& s = fig.series[k];
    if (s.points.empty()) continue;
    const fs::path data = work / ("s" + std::to_string(k) + ".dat");
    std::ofstream f(data);
    bool bars = false;
    for (const auto& p : s.points) {
      f << format_number(p[0]) << ' ' << format_number(p[1]) << ' ' << (std::isnan(p[2]) ? "0" : format_number(p[2]))
        << '\n';
      bars = bars || !std::isnan(p[2]);
    }
    std::string style = s.reference ? " using 1:2 with lines dashtype 3 lw 2 lc rgb 'gray40'"
                        : bars      ? " using 1:2:3 with yerrorlines lw 2 pt 7 ps 0.6"
                                    : " using 1:2 with linespoints lw 2 pt 7 ps 0.6";
    if (!s.reference && s.colour >= 0) style += " lc " + std::to_string(s.colour + 1);
    if (!s.reference && s.dashed) style += " dashtype 2";
    command += (command.empty() ? "plot " : ", ") + quoted(data.string()) + style + " title " + quoted(s.title);
  }
  if (command.empty()) throw std::runtime_error("nothing to plot: no finite values in the chosen columns");
  return command + "\n";
}

void run_gnuplot(const fs::path& work, const std::string& script) {
  const fs::path gp = work / "plot.gp";
  std::ofstream(gp) << script;
  const std::string cmd = "gnuplot " + quoted(gp.string()) + " 2>" + quoted((work / "err").string());
  const int rc = std::system(cmd.c_str());
  if (rc == 0) return;
  const std::string err = read_file(work / "err");
  throw std::runtime_error(err.find("not found") != std::string::npos || rc == 127 * 256
                               ? "gnuplot is not installed (scripts/install-deps.sh installs it)"
                               : "gnuplot failed: " + err);
}

}  // namespace

fs::path draw(const Figure& fig, const fs::path& out) {
  const std::string ext = out.extension().string();
  if (ext != ".png" && ext != ".svg") throw std::runtime_error("--out must end in .png or .svg");
  const fs::path work = fs::temp_directory_path() / ("relulab-plot-" + std::to_string(::getpid()));
  fs::create_directories(work);
  // gnuplot writes beside the target and the file is renamed into place: two
  // shards finishing together, or a kill mid-write, never leave a torn figure.
  const fs::path partial =
      out.parent_path() / (out.stem().string() + ".partial-" + std::to_string(::getpid()) + out.extension().string());
  try {
    run_gnuplot(work, preamble(fig, partial) + plot_command(fig, work));
    fs::rename(partial, out);
  } catch (...) {
    fs::remove_all(work);
    fs::remove(partial);
    throw;
  }
  fs::remove_all(work);
  return out;
}

fs::path plot(const PlotOptions& o) {
  const Figure fig = fs::exists(o.dir / "sweep.json")   ? sweep_figure(o)
                     : fs::exists(o.dir / "search.csv") ? search_figure(o)
                                                        : run_figure(o);
  return draw(fig, o.out.empty() ? o.dir / "plot.png" : o.out);
}

}  // namespace relulab::host
