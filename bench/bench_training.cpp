// Training kernels through the real plugins: the SGD step and the full-batch gradient.
//   ./build/bench/relulab_bench --benchmark_filter=SgdStep
#include "registry.hpp"

#include <relulab/relulab.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<long> g_allocations{0};
}

// Every heap allocation of the process, plugins included, for the "allocs/step" counter.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace relulab;

host::Registry& registry() {
  static host::Registry* r = [] {
    auto* reg = new host::Registry;
    reg->add_search_dir(RELULAB_BENCH_PLUGIN_DIR, "build tree");
    reg->scan();
    return reg;
  }();
  return *r;
}

Params defaults(const Schema& schema, const std::map<std::string, ParamValue>& set) {
  Params p;
  for (const auto& s : schema.specs())
    if (s.default_value) p.set(s.name, *s.default_value);
  for (const auto& [k, v] : set) p.set(k, v);
  return p;
}

struct Problem {
  Dataset data;
  std::unique_ptr<Model> model;
};

Problem make_problem(Index n, Index d, Index width) {
  BuildContext ctx;
  const auto& teacher = registry().find(PluginKind::DataGenerator, "linear_teacher")->descriptor;
  auto gen = teacher.make_data_generator(defaults(teacher.schema, {{"d", std::int64_t(d)}}), ctx);
  Rng data_rng(1), init_rng(2);
  Problem p{gen->sample(n, data_rng), nullptr};
  ctx.input_dim = d;
  const auto& model = registry().find(PluginKind::Model, "two_layer_relu")->descriptor;
  p.model = model.make_model(defaults(model.schema, {{"width", std::int64_t(width)}, {"init_scale", 0.1}}), ctx);
  p.model->initialize(init_rng);
  return p;
}

// Floating-point operations of one sample's forward and backward pass, no bias:
// pre-activations 2dm, output 2m, dL/da 2m, dL/db 1m, dL/dW 2dm.
double flops_per_sample(Index d, Index m) { return static_cast<double>(4 * d * m + 5 * m); }

// Reports once, at the end: the loop runs untouched, as in a real run between metric points.
class EndMonitor final : public Monitor {
 public:
  explicit EndMonitor(std::uint64_t end) : end_(end) {}
  std::uint64_t next_iteration() const override { return end_; }
  double next_time() const override { return 1e300; }
  Directive report(const Progress&) override { return Directive::Continue; }

 private:
  std::uint64_t end_;
};

// The whole SGD step as relulab runs it: batch selection, fused loss and
// gradient, parameter update. d = 5, batch 32, reshuffled epochs.
void SgdStep(benchmark::State& state) {
  const Index d = 5, batch = 32, width = state.range(0), n = 4096;
  Problem p = make_problem(n, d, width);
  ModelObjective objective(*p.model, p.data);
  const auto& sgd_desc = registry().find(PluginKind::Optimizer, "sgd")->descriptor;
  BuildContext ctx;
  ctx.num_samples = n;
  const std::int64_t steps_per_round = 1000;
  Rng rng(3);
  long allocs = 0;
  std::int64_t steps = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto sgd = sgd_desc.make_optimizer(
        defaults(sgd_desc.schema, {{"batch_size", std::int64_t(batch)}, {"iterations", steps_per_round},
                                   {"lr", 1e-4}}),
        ctx);
    EndMonitor monitor(static_cast<std::uint64_t>(steps_per_round));
    state.ResumeTiming();
    const long before = g_allocations.load();
    sgd->run(objective, monitor, rng);
    allocs += g_allocations.load() - before;
    steps += steps_per_round;
  }
  const double flops = batch * flops_per_sample(d, width) + 2.0 * (d + 1) * width;  // + the update
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(steps * flops * 1e-9, benchmark::Counter::kIsRate);
  // The optimizer sizes its buffers once per run (a few allocations per 1000 steps); the steps allocate nothing.
  state.counters["allocs/step"] = static_cast<double>(allocs) / static_cast<double>(steps);
}
BENCHMARK(SgdStep)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

// Loss and gradient over the whole training set, d = 5, width 1000.
void FullBatchGradient(benchmark::State& state) {
  const Index d = 5, width = 1000, n = state.range(0);
  Problem p = make_problem(n, d, width);
  Vector grad(p.model->num_parameters());
  long allocs = 0;
  for (auto _ : state) {
    const long before = g_allocations.load();
    benchmark::DoNotOptimize(p.model->loss_and_gradient(p.data, {}, grad.data()));
    allocs += g_allocations.load() - before;
  }
  state.counters["GFLOP/s"] = benchmark::Counter(n * flops_per_sample(d, width) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["allocs/call"] = static_cast<double>(allocs) / static_cast<double>(state.iterations());
}
BENCHMARK(FullBatchGradient)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
