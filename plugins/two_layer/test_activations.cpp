// The two_layer plugin with every activation and loss: the fused kernel
// against the textbook formulas written with Eigen products, and against
// finite differences away from kinks.
#include <catch2/catch.hpp>

#include "plugin_support.hpp"

#include <cmath>

using namespace relulab;
using namespace relulab::test;

namespace {

const std::vector<std::string> kActivations = {"relu", "leaky_relu", "gelu"};
const std::vector<std::string> kLosses = {"mse", "logistic", "exponential"};
constexpr double kSlope = 0.2;  // leaky ReLU's alpha in these tests: far from 0 and 1, so a wrong branch shows

// sigma and sigma' as the textbook writes them (docs/science.md §6), PyTorch's value at 0.
double sigma(const std::string& act, double z) {
  if (act == "relu") return std::max(z, 0.0);
  if (act == "leaky_relu") return z > 0 ? z : kSlope * z;
  return 0.5 * z * (1.0 + std::erf(z / std::sqrt(2.0)));
}
double sigma_prime(const std::string& act, double z) {
  if (act == "relu") return z > 0 ? 1.0 : 0.0;
  if (act == "leaky_relu") return z > 0 ? 1.0 : kSlope;
  const double pi = 3.14159265358979323846;
  return 0.5 * (1.0 + std::erf(z / std::sqrt(2.0))) + z * std::exp(-0.5 * z * z) / std::sqrt(2.0 * pi);
}
// l(h, y) and dl/dh in their textbook forms (accurate at the moderate margins used here).
double ell(const std::string& loss, double h, double y) {
  if (loss == "mse") return (h - y) * (h - y);
  if (loss == "logistic") return std::log1p(std::exp(-y * h));
  return std::exp(-y * h);
}
double ell_prime(const std::string& loss, double h, double y) {
  if (loss == "mse") return 2 * (h - y);
  if (loss == "logistic") return -y / (1.0 + std::exp(y * h));
  return -y * std::exp(-y * h);
}

// Labels: Gaussian for the squared error, their signs for a classification loss.
Dataset data_for(const std::string& loss, Index n, Index d, std::uint64_t seed) {
  Dataset ds = random_dataset(n, d, seed);
  if (loss != "mse")
    for (Index k = 0; k < n; ++k) ds.y[k] = ds.y[k] > 0 ? 1.0 : -1.0;
  return ds;
}

struct Case {
  std::string activation, loss;
  Index m, d;
  bool bias;
};

std::unique_ptr<Model> network(const Case& c, const Loss* loss, double scale = 1.0) {
  return make_network(c.d, c.m, c.bias, c.activation, loss, {{"slope", kSlope}, {"init_scale", scale}});
}

// Z = X W^T + b, H = sigma(Z), h = H a, L = (1/n) sum l(h_k, y_k), c = l'(h, y) / n,
// dL/da = H^T c, S = sigma'(Z) o (c a^T), dL/dW = S^T X, dL/db = S^T 1.
void check_against_textbook(const Case& c, Index n = 133) {
  auto loss = make_loss(c.loss);
  auto model = network(c, loss.get(), 0.3);  // outputs O(1): margins where the textbook losses are accurate
  Rng rng(5);
  model->initialize(rng);
  const Dataset ds = data_for(c.loss, n, c.d, 9);
  Vector grad(model->num_parameters());
  const double value = model->loss_and_gradient(ds, {}, grad.data());
  const TwoLayerView v = model->view();
  Eigen::MatrixXd Z = ds.X * v.W.transpose();
  if (c.bias) Z.rowwise() += v.b.transpose();
  const Eigen::MatrixXd H = Z.unaryExpr([&](double z) { return sigma(c.activation, z); });
  const Eigen::MatrixXd Hp = Z.unaryExpr([&](double z) { return sigma_prime(c.activation, z); });
  const Vector h = H * v.a;
  double expected_loss = 0.0;
  Vector weights(n);
  for (Index k = 0; k < n; ++k) {
    expected_loss += ell(c.loss, h[k], ds.y[k]) / static_cast<double>(n);
    weights[k] = ell_prime(c.loss, h[k], ds.y[k]) / static_cast<double>(n);
  }
  const Eigen::MatrixXd S = Hp.cwiseProduct(weights * v.a.transpose());
  Vector expected(model->num_parameters());
  Eigen::Map<Eigen::MatrixXd>(expected.data(), c.m, c.d) = S.transpose() * ds.X;
  expected.segment(c.d * c.m, c.m) = H.transpose() * weights;
  if (c.bias) expected.segment((c.d + 1) * c.m, c.m) = S.colwise().sum().transpose();
  // The same sums in other orders, FMA against two roundings, and for GeLU
  // libmvec's erf and exp (within 4 ulp of glibc's scalar ones) against
  // std::erf: all rounding, a few eps times the sum of |terms|. 1e-12 relative
  // to the largest entry leaves a wide margin; a wrong term is O(1) of it.
  CHECK(value == Approx(expected_loss).epsilon(1e-12));
  const double scale = expected.cwiseAbs().maxCoeff();
  REQUIRE(scale > 0);
  CHECK((grad - expected).cwiseAbs().maxCoeff() <= 1e-12 * scale);
}

}  // namespace

TEST_CASE("every activation and loss: the fused kernel equals the textbook gradient", "[model][activation]") {
  // Widths 3 (scalar tail only), 1001 (vectors and a tail, activations kept
  // in L2) and 2600 (kept beyond the L2 budget, chunks of 16); d = 5
  // (compile-time) and 7 (run-time: recomputed); with and without a bias; and
  // the recomputing path forced at d = 5.
  for (const std::string path : {"", "recompute"}) {
    const ScopedEnv forced("RELULAB_KERNEL_PATH", path);
    for (const auto& act : kActivations)
      for (const auto& loss : kLosses)
        for (const Index m : {Index(3), Index(1001), Index(2600)})
          for (const Index d : {Index(5), Index(7)})
            for (const bool bias : {false, true})
              DYNAMIC_SECTION("path '" << path << "', " << act << ", " << loss << ", m " << m << ", d " << d
                                       << ", bias " << bias) {
                check_against_textbook({act, loss, m, d, bias});
              }
  }
}

TEST_CASE("every activation and loss: the gradient is the finite difference of the loss", "[model][activation]") {
  // Tolerances derived at check_gradient_by_finite_differences. Scale 0.7 puts pre-activations at
  // O(1), so the step crosses no kink of ReLU or leaky ReLU (seeded).
  for (const auto& act : kActivations)
    for (const auto& loss_name : kLosses) DYNAMIC_SECTION(act << ", " << loss_name) {
        auto loss = make_loss(loss_name);
        auto model = network({act, loss_name, 6, 3, true}, loss.get(), 0.7);
        Rng rng(21);
        model->initialize(rng);
        const Dataset ds = data_for(loss_name, 17, 3, 4);
        check_gradient_by_finite_differences(*model, ds);
      }
}

TEST_CASE("leaky ReLU with slope 0 is ReLU and with slope 1 a linear network", "[model][activation]") {
  const Index n = 50, d = 4;
  const Dataset ds = random_dataset(n, d, 2);
  // Width 16: whole vectors for every instruction set (2, 4 or 8 doubles), so
  // the vector loops alone run. There slope 0 is the same arithmetic up to
  // multiplying by 0, so the same bytes.
  for (const Index m : {Index(16), Index(9)}) DYNAMIC_SECTION("width " << m) {
      auto relu = make_network(d, m, false, "relu", nullptr);
      auto leaky0 = make_network(d, m, false, "leaky_relu", nullptr, {{"slope", 0.0}});
      Rng r1(3), r2(3);
      relu->initialize(r1), leaky0->initialize(r2);
      Vector g_relu(relu->num_parameters()), g_leaky(relu->num_parameters());
      const double l_relu = relu->loss_and_gradient(ds, {}, g_relu.data());
      CHECK(l_relu == leaky0->loss_and_gradient(ds, {}, g_leaky.data()));
      if (m == 16) {
        CHECK(g_relu == g_leaky);
      } else {
        // Width 9 leaves one neuron to the scalar tail, where GCC may fuse a
        // multiply-add in one activation's loop and not the other's (seen with
        // AVX2: 1 ulp). Each gradient entry is a sum of n products, so the two
        // differ by at most gamma_n (Higham) times the sum of |terms|:
        // |S|^T |X| for W and |H|^T |c| for a, S = 1{Z > 0} o (c a^T), c = 2 r / n.
        const TwoLayerView v = relu->view();
        const Eigen::MatrixXd Z = ds.X * v.W.transpose(), H = Z.cwiseMax(0.0);
        const Vector c = (2.0 / n) * (H * v.a - ds.y);
        const Eigen::MatrixXd S = (Z.array() > 0).cast<double>().matrix().cwiseProduct(c * v.a.transpose());
        const double u = std::ldexp(1.0, -53), gamma = n * u / (1 - n * u);
        Vector bound(relu->num_parameters());
        Eigen::Map<Eigen::MatrixXd>(bound.data(), m, d) = gamma * S.cwiseAbs().transpose() * ds.X.cwiseAbs();
        bound.segment(d * m, m) = gamma * H.cwiseAbs().transpose() * c.cwiseAbs();
        CHECK(((g_relu - g_leaky).cwiseAbs() - bound).maxCoeff() <= 0);
      }
    }
  // Slope 1: h(x) = <sum_j a_j w_j, x>, a linear model; its MSE in closed form (sums reordered: 1e-13).
  auto linear = make_network(d, 9, false, "leaky_relu", nullptr, {{"slope", 1.0}});
  Rng r3(3);
  linear->initialize(r3);
  const TwoLayerView v = linear->view();
  const Vector beta = v.W.transpose() * v.a;
  CHECK(linear->loss_and_gradient(ds, {}, nullptr) == Approx((ds.X * beta - ds.y).squaredNorm() / n).epsilon(1e-13));
}

TEST_CASE("every activation: each instruction set's kernel equals the textbook gradient", "[model][activation][isa]") {
  for (const std::string isa : {"sse2", "avx2", "avx512"}) {
    __builtin_cpu_init();
    const bool runs = isa == "sse2" ||
                      (isa == "avx2" && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ||
                      (isa == "avx512" && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"));
    if (!runs) {
      WARN("this CPU cannot run the " << isa << " kernel: not checked here");
      continue;
    }
    const ScopedEnv forced("RELULAB_ISA", isa);
    for (const auto& act : {std::string("leaky_relu"), std::string("gelu")}) DYNAMIC_SECTION(isa << ", " << act) {
        check_against_textbook({act, "logistic", 1001, 5, true});
      }
  }
}

TEST_CASE("the model takes its activation and slope, and reports them in its view", "[model][activation]") {
  auto leaky = make_network(3, 4, false, "leaky_relu", nullptr, {{"slope", 0.25}});
  CHECK(leaky->view().activation == "leaky_relu");
  CHECK(leaky->view().slope == 0.25);
  auto gelu = make_network(3, 4, false, "gelu", nullptr);
  CHECK(gelu->view().activation == "gelu");
  // predict() uses the same sigma: h(x) for x = e_1 with w_j = e_1, a_j = 1 is 4 gelu(1).
  Eigen::MatrixXd W = Eigen::MatrixXd::Zero(4, 3);
  W.col(0).setOnes();
  gelu->assign(W, Vector::Ones(4), Vector(0));
  RowMatrix x = RowMatrix::Zero(1, 3);
  x(0, 0) = 1.0;
  Vector out;
  gelu->predict(x, out);
  CHECK(out[0] == Approx(4 * sigma("gelu", 1.0)).epsilon(1e-15));
}

TEST_CASE("float32 pads the width with zero neurons exactly: as a wider network whose extra neurons are zero",
          "[model][activation][float32]") {
  // The float32 call lays the weights out in columns padded to whole vectors,
  // the padding neurons with w_j = 0, a_j = 0 (b_j = 0). A network of width m
  // and one of width padded_width(m) whose first m neurons are the same and
  // whose others are zero then make the very same float operations: the loss
  // and the first m neurons' gradient must agree bit for bit (an error in the
  // padding, a stale lane or a misplaced column, shows as a difference).
  // Widths: 3 (one padded vector), 1001 (kept in L2), 2600 (kept beyond it);
  // both paths.
  for (const std::string path : {"", "recompute"}) {
    for (const auto& act : kActivations)
      for (const Index m : {Index(3), Index(1001), Index(2600)})
        for (const bool bias : {false, true})
          DYNAMIC_SECTION("path '" << path << "', " << act << ", m " << m << ", bias " << bias) {
            const ScopedEnv forced("RELULAB_KERNEL_PATH", path);
            // 16 floats: the widest vector of any compiled instruction set (AVX-512), a multiple of the others'.
            const Index d = 5, wide = (m + 15) / 16 * 16, columns = d + 1 + (bias ? 1 : 0);
            const std::map<std::string, ParamValue> set{
                {"slope", kSlope}, {"init_scale", 0.3}, {"precision", std::string("float32")}};
            auto narrow = make_network(d, m, bias, act, nullptr, set);
            auto padded = make_network(d, wide, bias, act, nullptr, set);
            Rng rng(5);
            narrow->initialize(rng);
            padded->parameters().setZero();
            for (Index col = 0; col < columns; ++col)
              padded->parameters().segment(col * wide, m) = narrow->parameters().segment(col * m, m);
            const Dataset ds = random_dataset(77, d, 9);
            Vector g_narrow(narrow->num_parameters()), g_padded(padded->num_parameters());
            const double l_narrow = narrow->loss_and_gradient(ds, {}, g_narrow.data());
            const double l_padded = padded->loss_and_gradient(ds, {}, g_padded.data());
            CHECK(l_narrow == l_padded);
            for (Index col = 0; col < columns; ++col)
              CHECK(g_narrow.segment(col * m, m) == g_padded.segment(col * wide, m));
          }
  }
}
