// Tests of the two_layer plugin.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

using namespace relulab;
using namespace relulab::test;

TEST_CASE("gradient matches central finite differences", "[model]") {
  for (bool bias : {false, true}) {
    DYNAMIC_SECTION("bias " << bias) {
      const Index d = 4, m = 7, n = 25;
      auto model = make_model(d, m, bias);
      Rng rng(11);
      model->initialize(rng);  // scale 1: pre-activations are O(1), far from kinks at the step below
      const Dataset ds = random_dataset(n, d, 3);
      Vector grad(model->num_parameters());
      const double loss = model->loss_and_gradient(ds, {}, grad.data());
      REQUIRE(loss > 0);
      check_gradient_by_finite_differences(*model, ds);  // tolerances derived there
      // The batch form agrees with the full form on the same rows.
      std::vector<Index> rows(n);
      for (Index k = 0; k < n; ++k) rows[k] = k;
      Vector grad_rows(model->num_parameters());
      CHECK(model->loss_and_gradient(ds, rows, grad_rows.data()) == Approx(loss).epsilon(1e-14));
      CHECK((grad_rows - grad).cwiseAbs().maxCoeff() < 1e-14);
    }
  }
}

namespace {

// The model's loss and gradient against the oracle, as the formulas read
// (docs/science.md §1): Z = X W^T + b, r = relu(Z) a - y, loss = |r|^2 / n,
// dL/da = relu(Z)^T c, dL/db = (1{Z>0} o c a^T)^T 1, dL/dW = (1{Z>0} o c a^T)^T X,
// with c = 2 r / n.
void check_against_textbook(Index m, Index d, bool bias, Index n = 133) {
  auto model = make_model(d, m, bias);
  Rng rng(5);
  model->initialize(rng);
  const Dataset ds = random_dataset(n, d, 9);
  Vector grad(model->num_parameters());
  const double loss = model->loss_and_gradient(ds, {}, grad.data());
  const TwoLayerView v = model->view();
  Eigen::MatrixXd Z = ds.X * v.W.transpose();
  if (bias) Z.rowwise() += v.b.transpose();
  const Eigen::MatrixXd H = Z.cwiseMax(0.0);
  const Vector r = H * v.a - ds.y;
  const Vector c = (2.0 / n) * r;
  const Eigen::MatrixXd S = (Z.array() > 0).cast<double>().matrix().cwiseProduct(c * v.a.transpose());
  Vector expected(model->num_parameters());
  Eigen::Map<Eigen::MatrixXd>(expected.data(), m, d) = S.transpose() * ds.X;
  expected.segment(d * m, m) = H.transpose() * c;
  if (bias) expected.segment((d + 1) * m, m) = S.colwise().sum().transpose();
  // Both compute the same sums in other orders (and FMA rounds once where
  // the oracle rounds twice): the difference is rounding, a few eps times the
  // sum of |terms| (n terms of O(1) size / n, times up to m for r): 1e-12
  // relative to the largest entry leaves a wide margin, and any missing or
  // wrong term is O(1) of it.
  CHECK(loss == Approx(r.squaredNorm() / n).epsilon(1e-12));
  const double scale = expected.cwiseAbs().maxCoeff();
  CHECK((grad - expected).cwiseAbs().maxCoeff() <= 1e-12 * scale);
}

bool cpu_runs(const std::string& isa) {
  __builtin_cpu_init();
  if (isa == "avx512")
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
  if (isa == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return true;
}

}  // namespace

TEST_CASE("the fused kernel equals the textbook gradient at widths that keep or recompute activations", "[model]") {
  // Both paths: activations kept from pass 1 (the default: chunks of 64
  // samples down to 16, in L2 up to m = 2048 and beyond it in L3; d = 7 has no
  // compile-time kernel and takes the kept path written for a run-time d) and
  // recomputed (forced by RELULAB_KERNEL_PATH). Widths on both sides of 2048,
  // widths that are not a multiple of the vector width (3, 1001: the scalar
  // neuron tail), and n not a multiple of the chunk or of the four-sample
  // groups (other loops again), or smaller than a chunk (21: a mini-batch,
  // whose kept activations are laid out for its own count). The kept path
  // takes neurons two vectors at a time where the registers allow (d = 2
  // with or without a bias, d = 5 without one), then one: 300 is an odd
  // number of AVX2 double vectors.
  for (const std::string path : {"", "recompute"}) {
    const ScopedEnv forced("RELULAB_KERNEL_PATH", path);
    for (const Index m : {Index(3), Index(300), Index(1001), Index(2048), Index(2049), Index(5000)})
      for (const Index d : {Index(2), Index(5), Index(7)})
        for (const bool bias : {false, true})
          for (const Index n : {Index(133), Index(21)}) {
            DYNAMIC_SECTION("path '" << path << "', m " << m << ", d " << d << ", bias " << bias << ", n " << n) {
              check_against_textbook(m, d, bias, n);
            }
          }
  }
}

TEST_CASE("every instruction set's kernel this CPU runs equals the textbook gradient", "[model][isa]") {
  for (const std::string isa : {"sse2", "avx2", "avx512"}) {
    if (!cpu_runs(isa)) {
      WARN("this CPU cannot run the " << isa << " kernel: not checked here");
      continue;
    }
    const ScopedEnv forced("RELULAB_ISA", isa);
    // 6 and 1001: odd numbers of vectors or a scalar tail for some instruction set; d = 2 and 5 take
    // two vectors at a time (d = 5 with a bias, one: kVectorsPerBlock in kernel_isa.cpp); d = 7 has
    // no compiled kernel and takes the run-time-d kept path.
    for (const Index m : {Index(3), Index(6), Index(1001), Index(5000)})
      for (const Index d : {Index(2), Index(5), Index(7)})
        for (const bool bias : {false, true}) {
          DYNAMIC_SECTION(isa << ", m " << m << ", d " << d << ", bias " << bias) {
            check_against_textbook(m, d, bias);
          }
        }
  }
}

TEST_CASE("the kernel is chosen for the CPU, RELULAB_ISA overrides it, and describe names it", "[model][isa]") {
  const std::string widest = cpu_runs("avx512") ? "avx512" : cpu_runs("avx2") ? "avx2" : "sse2";
  const auto plain = run_command(relulab_exe() + " plugins describe two_layer");
  CHECK_THAT(plain.out, Catch::Matchers::Contains("kernel: " + widest + " "));
  const auto forced = run_command("RELULAB_ISA=sse2 " + relulab_exe() + " plugins describe two_layer");
  CHECK_THAT(forced.out, Catch::Matchers::Contains("kernel: sse2 "));
}

TEST_CASE("initialisations follow their laws", "[model]") {
  const Index d = 6, m = 4000;
  const double s = 0.01;
  SECTION("balanced: a_j^2 = |w_j|^2, signs fair") {
    auto model = make_model(d, m, false, "balanced", s);
    Rng rng(5);
    model->initialize(rng);
    const auto v = model->view();
    int positive = 0;
    for (Index j = 0; j < m; ++j) {
      CHECK(v.a[j] * v.a[j] == Approx(v.W.row(j).squaredNorm()).epsilon(1e-12));
      positive += v.a[j] > 0;
    }
    // Fair coin: sd of the count is sqrt(m)/2 = 31.6; 5 sd = 158.
    CHECK(std::abs(positive - m / 2) < 158);
    // E|w|^2 = d s^2; the mean over m neurons has relative sd sqrt(2/(d m)) = 0.9%; allow 5%.
    CHECK(v.W.rowwise().squaredNorm().mean() == Approx(d * s * s).epsilon(0.05));
  }
  SECTION("dominated: |a_j| = s, |w_j| = s * ratio") {
    auto model = make_model(d, m, false, "dominated", s);
    Rng rng(6);
    model->initialize(rng);
    const auto v = model->view();
    for (Index j = 0; j < m; ++j) {
      CHECK(std::abs(v.a[j]) == Approx(s).epsilon(1e-14));
      CHECK(v.W.row(j).norm() == Approx(0.5 * s).epsilon(1e-12));  // default dominance_ratio 0.5
    }
  }
  SECTION("gaussian: every entry N(0, s^2)") {
    auto model = make_model(d, m, false, "gaussian", s);
    Rng rng(7);
    model->initialize(rng);
    const auto theta = model->parameters();
    const double var = theta.squaredNorm() / theta.size();
    // Sample variance of N = 28000 Gaussians: relative sd sqrt(2/N) = 0.85%; allow 5%.
    CHECK(var == Approx(s * s).epsilon(0.05));
  }
}

namespace {

std::unique_ptr<Model> make_model_in(Index d, Index width, bool bias, const std::string& precision) {
  const auto& desc = descriptor(PluginKind::Model, "two_layer");
  BuildContext ctx;
  ctx.input_dim = d;
  return desc.make<Model>(
      defaults(desc.schema,
               {{"width", std::int64_t(width)}, {"bias", bias}, {"init_scale", 1.0}, {"precision", precision}}),
      ctx);
}

}  // namespace

TEST_CASE("the float32 gradient is within float32 rounding of the float64 one", "[model][float32]") {
  // Forward error of a sum of products computed in float (Higham, ch. 3):
  // |fl(s) - s| <= gamma_K * (the same sum of absolute values), gamma_K =
  // K u / (1 - K u), u = 2^-24, K the longest chain of roundings an entry
  // goes through: d + 1 for z, m for the output, n for the gradient's sum
  // over samples, and a few for c = 2 r / n and the products. So each entry
  // is bounded by gamma_K times its oracle computed on absolute values,
  // |c|~ = (2/n) (sum_j |a_j| |z|~_j + |y|) with |z|~ = |X| |W|^T + |b|. A
  // ReLU whose sign float32 may flip (|z| <= gamma_{d+1} |z|~) contributes
  // its whole term to the bound.
  const double u = std::ldexp(1.0, -24);
  // Widths with a scalar tail, activations in L2 (301) and beyond it (3001); d = 5 has a compiled
  // kernel, d = 7 takes the run-time-d kept path.
  for (const Index m : {Index(301), Index(3001)})
    for (const Index d : {Index(5), Index(7)})
      for (const bool bias : {false, true}) {
        DYNAMIC_SECTION("m " << m << ", d " << d << ", bias " << bias) {
          const Index n = 133;
          auto m64 = make_model_in(d, m, bias, "float64"), m32 = make_model_in(d, m, bias, "float32");
          Rng rng(5);
          m64->initialize(rng);
          m32->parameters() = m64->parameters();
          const Dataset ds = random_dataset(n, d, 9);
          Vector g64(m64->num_parameters()), g32(m32->num_parameters());
          m64->loss_and_gradient(ds, {}, g64.data());
          m32->loss_and_gradient(ds, {}, g32.data());
          const TwoLayerView v = m64->view();
          Eigen::MatrixXd Z = ds.X * v.W.transpose(), Zabs = ds.X.cwiseAbs() * v.W.cwiseAbs().transpose();
          if (bias) Z.rowwise() += v.b.transpose(), Zabs.rowwise() += v.b.cwiseAbs().transpose();
          const double K = static_cast<double>(n + m + d + 10), gamma = K * u / (1 - K * u);
          const double gamma_z = (d + 2) * u / (1 - (d + 2) * u);
          const Vector c_abs = (2.0 / n) * (Zabs * v.a.cwiseAbs() + ds.y.cwiseAbs());
          // Per neuron and sample: the weight |c_k a_j| of the terms, and whether its ReLU may flip.
          const Eigen::MatrixXd weight = c_abs * v.a.cwiseAbs().transpose();
          const Eigen::MatrixXd flip = (Z.cwiseAbs().array() <= gamma_z * Zabs.array()).cast<double>().matrix();
          const Eigen::MatrixXd W_bound =
              ((gamma * Eigen::MatrixXd::Ones(n, m) + flip).cwiseProduct(weight)).transpose() * ds.X.cwiseAbs();
          Vector bound(m64->num_parameters());
          Eigen::Map<Eigen::MatrixXd>(bound.data(), m, d) = W_bound;
          bound.segment(d * m, m) =
              ((gamma * Eigen::MatrixXd::Ones(n, m) + flip).cwiseProduct(Zabs)).transpose() * c_abs;
          if (bias)
            bound.segment((d + 1) * m, m) =
                ((gamma * Eigen::MatrixXd::Ones(n, m) + flip).cwiseProduct(weight)).colwise().sum().transpose();
          const Vector excess = (g32 - g64).cwiseAbs() - bound;
          // (Measured: the largest error is under 1% of its bound; rounding errors partly cancel, the bound
          // is the worst case.)
          CHECK(excess.maxCoeff() <= 0.0);
          // And float32 is not float64 in disguise: some entry differs.
          CHECK((g32 - g64).cwiseAbs().maxCoeff() > 0.0);
        }
      }
}

TEST_CASE("a float32 model computes a loss alone in float64, and its training step in float32", "[model][float32]") {
  auto m64 = make_model_in(5, 40, false, "float64"), m32 = make_model_in(5, 40, false, "float32");
  Rng rng(2);
  m64->initialize(rng);
  m32->parameters() = m64->parameters();
  const Dataset ds = random_dataset(50, 5, 4);
  // Metrics ask for the loss alone: the same float64 arithmetic, bit for bit.
  CHECK(m32->loss_and_gradient(ds, {}, nullptr) == m64->loss_and_gradient(ds, {}, nullptr));
  Vector g(m32->num_parameters());
  const double with_gradient = m32->loss_and_gradient(ds, {}, g.data());
  const double exact = m64->loss_and_gradient(ds, {}, nullptr);
  // A float32 loss differs from the float64 one, by no more than float32 rounding (1e-5 relative is
  // ~100 u for sums of 50 samples of 40 neurons).
  CHECK(with_gradient != exact);
  CHECK(with_gradient == Approx(exact).epsilon(1e-5));
}

TEST_CASE("a call over many samples gives the same bytes on 1, 2 or 3 threads, and the textbook gradient",
          "[model][threads]") {
  // 10 001 samples: three blocks of 4096 (the last one short), so every
  // accumulator path runs; widths on both kernel paths; both precisions.
  const auto& desc = descriptor(PluginKind::Model, "two_layer");
  for (const std::string precision : {"float64", "float32"})
    for (const Index m : {Index(40), Index(3001)}) {
      DYNAMIC_SECTION(precision << ", m " << m) {
        const Index d = 5, n = 10'001;
        const Dataset ds = random_dataset(n, d, 21);
        std::vector<Vector> gradients;
        std::vector<double> losses;
        for (const std::int64_t threads : {1, 2, 3}) {
          BuildContext ctx;
          ctx.input_dim = d;
          auto model = desc.make<Model>(
              defaults(
                  desc.schema,
                  {{"width", std::int64_t(m)}, {"init_scale", 1.0}, {"precision", precision}, {"threads", threads}}),
              ctx);
          Rng rng(6);
          model->initialize(rng);
          gradients.emplace_back(model->num_parameters());
          losses.push_back(model->loss_and_gradient(ds, {}, gradients.back().data()));
        }
        CHECK(losses[1] == losses[0]);
        CHECK(losses[2] == losses[0]);
        CHECK(gradients[1] == gradients[0]);
        CHECK(gradients[2] == gradients[0]);
      }
    }
  // And the blocked sum is the gradient: against the oracle as above (float64).
  // 10 001 samples: the sums run over 10^4 terms, the tolerance above holds (it is relative to the largest entry).
  check_against_textbook(300, 5, true, 10'001);
}
