// relulab's hot paths through the real plugins (SGD step, full-batch gradient,
// a gradient-flow run, the extremal-vector search, the exact population loss),
// next to two references: the same SGD step written plainly with Eigen, and
// the core's measured floating-point peak (the roofline).
//   ./build/bench/relulab_bench --benchmark_filter=SgdStep
#include "registry/allocations.hpp"
#include "registry/registry.hpp"

#include <relulab/math/extremal.hpp>
#include <relulab/relulab.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <iterator>
#include <new>

namespace {

using namespace relulab;

host::Registry& registry() {
  static host::Registry* r = [] {
    auto* reg = new host::Registry;
    // The example optimizer built in-tree (ClippedSgdStep), searched first so
    // bench/out_of_tree_speed.sh can swap in an out-of-tree build of it.
    reg->add_search_dir(RELULAB_BENCH_EXAMPLE_PLUGIN_DIR, "bench examples");
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

Problem make_problem(Index n, Index d, Index width, const std::string& precision = "float64", std::int64_t threads = 1,
                     const std::string& activation = "relu") {
  BuildContext ctx;
  const auto& teacher = registry().find(PluginKind::DataGenerator, "linear_teacher")->descriptor;
  auto gen = teacher.make<DataGenerator>(defaults(teacher.schema, {{"d", std::int64_t(d)}}), ctx);
  Rng data_rng(1), init_rng(2);
  Problem p{gen->sample(n, data_rng), nullptr};
  ctx.input_dim = d;
  const auto& model = registry().find(PluginKind::Model, "two_layer")->descriptor;
  p.model = model.make<Model>(defaults(model.schema, {{"width", std::int64_t(width)},
                                                      {"init_scale", 0.1},
                                                      {"precision", precision},
                                                      {"threads", threads},
                                                      {"activation", activation}}),
                              ctx);
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
// A policy for the SGD step, named with its keys.
struct PolicyChoice {
  std::string name;
  std::map<std::string, ParamValue> set;
};

void sgd_steps(benchmark::State& state, const std::string& precision, const std::string& activation = "relu",
               const std::vector<PolicyChoice>& policy_choices = {}, Index d = 5, Index width = 0,
               const std::string& optimizer = "sgd") {
  const Index batch = 32, n = 4096;
  if (width == 0) width = state.range(0);
  Problem p = make_problem(n, d, width, precision, 1, activation);
  ModelObjective objective(*p.model, p.data);
  const auto& sgd_desc = registry().find(PluginKind::Optimizer, optimizer)->descriptor;
  BuildContext ctx;
  ctx.num_samples = n;
  ctx.model = p.model.get();
  std::vector<std::unique_ptr<Policy>> policies;
  for (const auto& choice : policy_choices) {
    const auto& desc = registry().find(PluginKind::Policy, choice.name)->descriptor;
    policies.push_back(desc.make<Policy>(defaults(desc.schema, choice.set), ctx));
  }
  const std::int64_t steps_per_round = 1000;
  Rng rng(3);
  long allocs = 0;
  std::int64_t steps = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto sgd = sgd_desc.make<Optimizer>(
        defaults(sgd_desc.schema, {{"batch_size", std::int64_t(batch)}, {"iterations", steps_per_round}, {"lr", 1e-4}}),
        ctx);
    std::vector<Policy*> chain;
    for (auto& policy : policies) chain.push_back(policy.get());
    sgd->use_policies(chain);
    EndMonitor monitor(static_cast<std::uint64_t>(steps_per_round));
    state.ResumeTiming();
    const long before = host::heap_allocations();
    sgd->run(objective, monitor, rng);
    allocs += host::heap_allocations() - before;
    steps += steps_per_round;
  }
  const double flops = batch * flops_per_sample(d, width) + 2.0 * (d + 1) * width;  // + the update
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(steps * flops * 1e-9, benchmark::Counter::kIsRate);
  // The optimizer sizes its buffers once per run (a few allocations per 1000 steps); the steps allocate nothing.
  state.counters["allocs/step"] = static_cast<double>(allocs) / static_cast<double>(steps);
}
void SgdStep(benchmark::State& state) { sgd_steps(state, "float64"); }
BENCHMARK(SgdStep)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
// The same step with the model's training arithmetic in float32 (weights and the update stay float64).
// docs/examples/clipped_sgd, the out-of-tree example optimizer, built in-tree
// (bench/CMakeLists.txt): bench/out_of_tree_speed.sh puts its out-of-tree
// builds in its place and compares.
void ClippedSgdStep(benchmark::State& state) {
  sgd_steps(state, "float64", "relu", {}, 5, state.range(0), "clipped_sgd");
}
BENCHMARK(ClippedSgdStep)->Arg(1000)->Unit(benchmark::kMicrosecond);

void SgdStepF32(benchmark::State& state) { sgd_steps(state, "float32"); }
BENCHMARK(SgdStepF32)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
// The other activations at width 1000 (GFLOP/s counts ReLU's flops: the
// activation's own arithmetic, erf and exp for GeLU, comes on top).
void SgdStepLeakyRelu(benchmark::State& state) { sgd_steps(state, "float64", "leaky_relu"); }
BENCHMARK(SgdStepLeakyRelu)->Arg(1000)->Unit(benchmark::kMicrosecond);
void SgdStepGelu(benchmark::State& state) { sgd_steps(state, "float64", "gelu"); }
BENCHMARK(SgdStepGelu)->Arg(1000)->Unit(benchmark::kMicrosecond);
void SgdStepLeakyReluF32(benchmark::State& state) { sgd_steps(state, "float32", "leaky_relu"); }
BENCHMARK(SgdStepLeakyReluF32)->Arg(1000)->Unit(benchmark::kMicrosecond);
// The width-1000 step at other input dimensions: d = 5 and 8 have compiled
// kernels (d a template constant), 7, 12 and 20 take the run-time-d kept path.
void SgdStepInputDim(benchmark::State& state) { sgd_steps(state, "float64", "relu", {}, state.range(0), 1000); }
BENCHMARK(SgdStepInputDim)->Arg(5)->Arg(7)->Arg(8)->Arg(12)->Arg(20)->Unit(benchmark::kMicrosecond);
// The width-1000 step wrapped in one policy each, against the bare step (the
// first line): the cost of each policy. Run them interleaved and repeated:
//   relulab_bench --benchmark_filter='^SgdStepPolicy' --benchmark_repetitions=5
//                 --benchmark_enable_random_interleaving=true   (one command line)
// (bench/policy_overhead.py does, and prints each policy's cost in percent).
void SgdStepPolicy(benchmark::State& state, std::vector<PolicyChoice> policies) {
  sgd_steps(state, "float64", "relu", policies);
}
BENCHMARK_CAPTURE(SgdStepPolicy, none, {})->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(SgdStepPolicy, weight_decay_coupled, {{"weight_decay", {}}})
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(SgdStepPolicy, weight_decay_decoupled, {{"weight_decay", {{"mode", std::string("decoupled")}}}})
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(SgdStepPolicy, clip_norm, {{"clip_gradient", {}}})->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(SgdStepPolicy, clip_value, {{"clip_gradient", {{"by", std::string("value")}}}})
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(SgdStepPolicy, gradient_noise, {{"gradient_noise", {}}})->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(SgdStepPolicy, label_noise, {{"label_noise", {}}})->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(SgdStepPolicy, layer_rates, {{"layer_rates", {{"second", 10.0}}}})
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(SgdStepPolicy, warmup, {{"warmup", {}}})->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(SgdStepPolicy, inverse_loss, {{"inverse_loss", {}}})->Arg(1000)->Unit(benchmark::kMicrosecond);
void SgdStepGeluF32(benchmark::State& state) { sgd_steps(state, "float32", "gelu"); }
BENCHMARK(SgdStepGeluF32)->Arg(1000)->Unit(benchmark::kMicrosecond);

// Loss and gradient over the whole training set, d = 5, width 1000.
void full_batch_gradient(benchmark::State& state, Index n, std::int64_t threads) {
  const Index d = 5, width = 1000;
  Problem p = make_problem(n, d, width, "float64", threads);
  Vector grad(p.model->num_parameters());
  p.model->loss_and_gradient(p.data, {}, grad.data());  // sizes the model's accumulators, once
  long allocs = 0;
  for (auto _ : state) {
    const long before = host::heap_allocations();
    benchmark::DoNotOptimize(p.model->loss_and_gradient(p.data, {}, grad.data()));
    allocs += host::heap_allocations() - before;
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(n * flops_per_sample(d, width) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["allocs/call"] = static_cast<double>(allocs) / static_cast<double>(state.iterations());
}
void FullBatchGradient(benchmark::State& state) { full_batch_gradient(state, state.range(0), 1); }
BENCHMARK(FullBatchGradient)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
// n = 10^5, width 1000, on 1, 2, 4 threads (model.threads): the same bytes, split over cores.
void FullBatchGradientThreads(benchmark::State& state) { full_batch_gradient(state, 100'000, state.range(0)); }
BENCHMARK(FullBatchGradientThreads)->Arg(1)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same SGD step written the plain Eigen way: dense products for the
// forward and backward passes, all buffers allocated once. What the fused
// kernel buys is the ratio of this to SgdStep.
void PlainEigenSgdStep(benchmark::State& state) {
  const Index d = 5, batch = 32, width = state.range(0), n = 4096;
  Problem p = make_problem(n, d, width);
  const auto view = p.model->view();
  Eigen::MatrixXd W = view.W;  // m x d
  Vector a = view.a;
  Eigen::MatrixXd Xb(batch, d), Z(batch, width), H(batch, width), G(batch, width), gW(width, d);
  Vector yb(batch), r(batch), ga(width);
  const double lr = 1e-4, scale = 2.0 / batch;
  Rng rng(3);
  std::int64_t steps = 0;
  long allocs = 0;
  for (auto _ : state) {
    const long before = host::heap_allocations();
    for (Index k = 0; k < batch; ++k) {  // i.i.d. batch: sampling is not what is measured here
      const Index row = static_cast<Index>(rng.below(static_cast<std::uint64_t>(n)));
      Xb.row(k) = p.data.X.row(row);
      yb[k] = p.data.y[row];
    }
    Z.noalias() = Xb * W.transpose();
    H = Z.cwiseMax(0.0);
    r.noalias() = H * a;
    r -= yb;
    ga.noalias() = scale * H.transpose() * r;
    G = (scale * r * a.transpose()).cwiseProduct((Z.array() > 0.0).cast<double>().matrix());
    gW.noalias() = G.transpose() * Xb;
    W.noalias() -= lr * gW;
    a.noalias() -= lr * ga;
    benchmark::DoNotOptimize(W.data());
    allocs += host::heap_allocations() - before;
    ++steps;
  }
  const double flops = batch * flops_per_sample(d, width) + 2.0 * (d + 1) * width;
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(steps * flops * 1e-9, benchmark::Counter::kIsRate);
  state.counters["allocs/step"] = static_cast<double>(allocs) / static_cast<double>(steps);
}
BENCHMARK(PlainEigenSgdStep)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

// The core's peak multiply-add rate, the roofline the kernels are measured
// against: independent chains acc = acc * mul + add, as many as cover the
// multiply-add latency on every x86-64 core and still fit the registers, in
// the CPU's widest vectors, so the peak is this machine's, not the build's.
// One loop per instruction set, each sized to its register file: AVX-512, 16
// chains of 64 bytes in its 32 registers; AVX2 + FMA, 12 of 32 bytes in 16;
// SSE2, 12 of 16 bytes in 16 (no fused multiply-add: a multiply and an add).
// (A single loop of 64-byte vectors, as before, spills on AVX2: 3 GFLOP/s.)
constexpr int kPeakRepeats = 4096;

// The vectors, as plain aliases: GCC drops the vector attribute from an alias
// template and from a size that depends on a template parameter.
using F64x8 = double __attribute__((vector_size(64)));
using F32x16 = float __attribute__((vector_size(64)));
using F64x4 = double __attribute__((vector_size(32)));
using F32x8 = float __attribute__((vector_size(32)));
using F64x2 = double __attribute__((vector_size(16)));
using F32x4 = float __attribute__((vector_size(16)));

// The loop itself, inlined into each instruction set's function below, so it
// is compiled for that instruction set: Chains vectors V of T.
template <class V, int Chains, class T>
__attribute__((always_inline)) inline void peak_rounds(T* acc_values) {
  static_assert(sizeof(V) > sizeof(T), "V must be a vector of T");
  V* acc = reinterpret_cast<V*>(acc_values);
  const V mul = V{} + static_cast<T>(0.999999), add = V{} + static_cast<T>(1e-7);
  V r[Chains];  // in registers: the accumulators never touch memory inside the loop
#pragma GCC unroll 16
  for (int i = 0; i < Chains; ++i) r[i] = acc[i];
  for (int t = 0; t < kPeakRepeats; ++t) {
#pragma GCC unroll 16
    for (int i = 0; i < Chains; ++i) r[i] = r[i] * mul + add;
  }
#pragma GCC unroll 16
  for (int i = 0; i < Chains; ++i) acc[i] = r[i];
}

template <class T>
struct PeakLoop {
  void (*rounds)(T*);
  double flops_per_call;
};
template <class T, int Bytes, int Chains>
constexpr PeakLoop<T> peak_loop(void (*rounds)(T*)) {
  return {rounds, 2.0 * (Bytes / static_cast<double>(sizeof(T))) * Chains * kPeakRepeats};
}

// One overload per precision and instruction set; widest_peak_loop picks by the CPU.
__attribute__((target("avx512f"))) void peak_avx512(double* acc) { peak_rounds<F64x8, 16>(acc); }
__attribute__((target("avx512f"))) void peak_avx512(float* acc) { peak_rounds<F32x16, 16>(acc); }
__attribute__((target("avx2,fma"))) void peak_avx2(double* acc) { peak_rounds<F64x4, 12>(acc); }
__attribute__((target("avx2,fma"))) void peak_avx2(float* acc) { peak_rounds<F32x8, 12>(acc); }
void peak_sse2(double* acc) { peak_rounds<F64x2, 12>(acc); }
void peak_sse2(float* acc) { peak_rounds<F32x4, 12>(acc); }

// The widest loop this CPU runs (the same test as the model's kernel choice).
template <class T>
PeakLoop<T> widest_peak_loop() {
  using Rounds = void (*)(T*);
  if (__builtin_cpu_supports("avx512f")) return peak_loop<T, 64, 16>(static_cast<Rounds>(peak_avx512));
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return peak_loop<T, 32, 12>(static_cast<Rounds>(peak_avx2));
  return peak_loop<T, 16, 12>(static_cast<Rounds>(peak_sse2));
}

template <class T>
void peak_multiply_add(benchmark::State& state) {
  const PeakLoop<T> loop = widest_peak_loop<T>();
  alignas(64) T acc[16 * 64 / sizeof(T)];  // room for the widest loop's chains
  for (std::size_t i = 0; i < std::size(acc); ++i) acc[i] = static_cast<T>(1.0 + 1e-3 * static_cast<double>(i % 16));
  for (auto _ : state) {
    loop.rounds(acc);
    benchmark::DoNotOptimize(acc);
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(loop.flops_per_call * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
void PeakMultiplyAdd(benchmark::State& state) { peak_multiply_add<double>(state); }
void PeakMultiplyAddF32(benchmark::State& state) { peak_multiply_add<float>(state); }
BENCHMARK(PeakMultiplyAdd)->Unit(benchmark::kMicrosecond);
BENCHMARK(PeakMultiplyAddF32)->Unit(benchmark::kMicrosecond);

// Gradient flow (Dormand-Prince, defaults) to t = 5 from init scale 0.1:
// d = 5, n = 1000, width 100, the plugin's own stepping and dense output.
void GradientFlowRun(benchmark::State& state) {
  const Index d = 5, width = 100, n = 1000;
  const auto& gf_desc = registry().find(PluginKind::Optimizer, "gradient_flow")->descriptor;
  BuildContext ctx;
  ctx.num_samples = n;
  double evaluations = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Problem p = make_problem(n, d, width);
    ModelObjective objective(*p.model, p.data);
    auto gf = gf_desc.make<Optimizer>(defaults(gf_desc.schema, {{"end_time", 5.0}}), ctx);
    struct AtEnd final : Monitor {
      std::uint64_t next_iteration() const override { return ~std::uint64_t{0}; }
      double next_time() const override { return 5.0; }
      Directive report(const Progress&) override { return Directive::Continue; }
    } monitor;
    Rng rng(3);
    state.ResumeTiming();
    gf->run(objective, monitor, rng);
    evaluations += gf->statistics().at("gradient_evaluations");
  }
  state.counters["gradient evals"] = evaluations / static_cast<double>(state.iterations());
  state.counters["evals/s"] = benchmark::Counter(evaluations, benchmark::Counter::kIsRate);
}
BENCHMARK(GradientFlowRun)->Unit(benchmark::kMillisecond);

// The extremal-vector search on a linear teacher's data at initialisation
// (residual -y), d = 5, with the metric's default number of starts (20).
void ExtremalSearch(benchmark::State& state) {
  const Index d = 5, n = state.range(0);
  Problem p = make_problem(n, d, 1);
  const Vector residual = -p.data.y;
  math::extremal::SearchOptions options;
  options.starts = 20;
  double found = 0;
  for (auto _ : state) {
    Rng rng(5);
    found += static_cast<double>(math::extremal::search(p.data.X, residual, rng, options).size());
  }
  state.counters["vectors"] = found / static_cast<double>(state.iterations());
}
BENCHMARK(ExtremalSearch)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

// The exact population MSE of a width-1000 student against the linear teacher
// (Gaussian closed form: an m x m arc-cosine kernel).
void PopulationLoss(benchmark::State& state) {
  const Index d = 5, width = state.range(0);
  BuildContext ctx;
  const auto& teacher = registry().find(PluginKind::DataGenerator, "linear_teacher")->descriptor;
  auto gen = teacher.make<DataGenerator>(defaults(teacher.schema, {{"d", std::int64_t(d)}}), ctx);
  Problem p = make_problem(10, d, width);
  for (auto _ : state) benchmark::DoNotOptimize(capability<PopulationRisk>(*gen)->network_mse(p.model->view()));
  state.counters["neuron pairs/s"] = benchmark::Counter(static_cast<double>(width) * static_cast<double>(width),
                                                        benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(PopulationLoss)->Arg(1000)->Unit(benchmark::kMillisecond);

// n = "infinite": the model's population loss alone and with its gradient
// (relulab/math/population.hpp), against the same teacher and student as
// PopulationLoss. Arguments: width, threads. The allocations per call are
// counted after a first call (which sizes nothing: use_teacher did).
void population_call(benchmark::State& state, bool gradient) {
  const Index d = 5, width = state.range(0);
  BuildContext ctx;
  const auto& teacher = registry().find(PluginKind::DataGenerator, "linear_teacher")->descriptor;
  auto gen = teacher.make<DataGenerator>(defaults(teacher.schema, {{"d", std::int64_t(d)}}), ctx);
  Problem p = make_problem(10, d, width, "float64", state.range(1));
  auto& population = *capability<PopulationTraining>(*p.model);
  population.use_teacher(capability<GaussianTeacher>(*gen)->expansion(), 0.09);
  Vector g(p.model->num_parameters());
  double* out = gradient ? g.data() : nullptr;
  benchmark::DoNotOptimize(population.population_loss_and_gradient(out));
  const long before = host::heap_allocations();
  long calls = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(population.population_loss_and_gradient(out));
    ++calls;
  }
  state.counters["allocs/call"] = static_cast<double>(host::heap_allocations() - before) / static_cast<double>(calls);
  state.counters["neuron pairs/s"] = benchmark::Counter(static_cast<double>(width) * static_cast<double>(width),
                                                        benchmark::Counter::kIsIterationInvariantRate);
}
void PopulationObjectiveLoss(benchmark::State& state) { population_call(state, false); }
void PopulationGradient(benchmark::State& state) { population_call(state, true); }
BENCHMARK(PopulationObjectiveLoss)->Args({1000, 1})->Args({1000, 2})->Unit(benchmark::kMillisecond);
BENCHMARK(PopulationGradient)->Args({1000, 1})->Args({1000, 2})->Unit(benchmark::kMillisecond);

// A Hessian-vector product over the whole training set (hessian_isa.cpp), d = 5, width 1000, one
// thread, against FullBatchGradient/<n> (the same samples and width; the target is at most 3x).
// Arguments: n, activation (0 relu, 1 gelu); GeLU's gradient for comparison is FullBatchGradientGelu.
void HessianVectorProduct(benchmark::State& state) {
  const Index n = state.range(0), d = 5, width = 1000;
  Problem p = make_problem(n, d, width, "float64", 1, state.range(1) ? "gelu" : "relu");
  auto& hessian = *capability<HessianProducts>(*p.model);
  const Vector v = Vector::LinSpaced(p.model->num_parameters(), -1, 1);
  Vector product(v.size());
  hessian.hessian_vector_product(p.data.X, p.data.y, {}, v.data(), product.data());  // sizes the working space
  const long before = host::heap_allocations();
  long calls = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hessian.hessian_vector_product(p.data.X, p.data.y, {}, v.data(), product.data()));
    ++calls;
  }
  state.counters["allocs/call"] = static_cast<double>(host::heap_allocations() - before) / static_cast<double>(calls);
}
BENCHMARK(HessianVectorProduct)->Args({1000, 0})->Args({10000, 0})->Args({1000, 1})->Unit(benchmark::kMillisecond);
void FullBatchGradientGelu(benchmark::State& state) {
  Problem p = make_problem(state.range(0), 5, 1000, "float64", 1, "gelu");
  Vector grad(p.model->num_parameters());
  for (auto _ : state) benchmark::DoNotOptimize(p.model->loss_and_gradient(p.data, {}, grad.data()));
}
BENCHMARK(FullBatchGradientGelu)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
