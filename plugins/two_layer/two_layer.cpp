// Two-layer network h(x) = sum_j a_j sigma(<w_j, x> + b_j) with sigma = ReLU
// (the default), leaky ReLU or GeLU, trained on the experiment's loss (the
// squared error, PyTorch's MSELoss, unless a loss plugin is named: docs/science.md
// sections 1 and 6). It was called two_layer_relu, a name files may still use.
//
// Parameter layout (one contiguous vector): W column by column (d blocks of m,
// so that a block holds one input coordinate of every neuron and the inner
// loops run over neurons, contiguous and vectorisable), then a (m), then b (m,
// only with a hidden bias).
#include <relulab/relulab.hpp>
#include <relulab/math/population.hpp>

#include "kernel.hpp"
#include "worker_pool.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <thread>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace relulab;

// Scratch on 64-byte boundaries: the kernel's vectors (32 bytes with AVX2, 64
// with AVX-512) then never straddle two cache lines, which costs a split
// access on every other store (malloc gives 16 bytes).
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlignment); }
  friend bool operator==(const CacheLineAllocator&, const CacheLineAllocator&) { return true; }
};

two_layer::Activation activation_named(const std::string& name) {
  if (name == "leaky_relu") return two_layer::Activation::LeakyRelu;
  if (name == "gelu") return two_layer::Activation::Gelu;
  return two_layer::Activation::Relu;
}

// The loss the kernel sees in the second pass of a log-mean objective (loss.hpp,
// LogMeanObjective): each derivative is dl/dh_k / S with S = sum_j l_j, whose
// logarithm the first pass computed. The kernel's weight 1/n is not applied (dJ/dh_k
// has none), and the loss it sums is not used: J comes from the first pass.
class ScaledByLogSum final : public Loss {
 public:
  ScaledByLogSum(const LogMeanObjective& objective, double log_sum) : objective_(objective), log_sum_(log_sum) {}
  std::string name() const override { return "log_mean"; }
  void accumulate(const double* h, const double* y, std::ptrdiff_t count, double, double&,
                  double* derivative) const override {
    if (!derivative) return;
    for (std::ptrdiff_t k = 0; k < count; ++k) derivative[k] = objective_.scaled_derivative(h[k], y[k], log_sum_);
  }

 private:
  const LogMeanObjective& objective_;
  double log_sum_;
};

// The loss the kernel sees in the first pass of a log-mean objective: the
// running log-sum-exp of log l_k over the samples, in the order the kernel
// hands them over (one call at a time), and zero derivatives.
class LogSumOfLosses final : public Loss {
 public:
  explicit LogSumOfLosses(const LogMeanObjective& objective) : objective_(objective) {}
  std::string name() const override { return "log_sum"; }
  void accumulate(const double* h, const double* y, std::ptrdiff_t count, double, double&,
                  double* derivative) const override {
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      const double term = objective_.log_loss(h[k], y[k]);
      if (term > top_) {
        scaled_ = scaled_ * std::exp(top_ - term) + 1.0;
        top_ = term;
      } else {
        scaled_ += std::exp(term - top_);  // NaN (a diverged output) stays NaN
      }
      if (derivative) derivative[k] = 0.0;
    }
  }
  double log_sum() const { return top_ + std::log(scaled_); }

 private:
  const LogMeanObjective& objective_;
  mutable double top_ = -std::numeric_limits<double>::infinity(), scaled_ = 0.0;  // the sum is e^top * scaled
};

class TwoLayer final : public Model, public PopulationTraining, public HessianProducts, public LogMeanTraining {
 public:
  TwoLayer(const Params& p, const BuildContext& ctx)
      : stop_(ctx.stop),
        d_(ctx.input_dim),
        m_(p.integer("width")),
        bias_(p.flag("bias")),
        init_(p.text("init")),
        scale_(p.real("init_scale")),
        ratio_(p.real("dominance_ratio")),
        theta_(Vector::Zero((d_ + 1 + (bias_ ? 1 : 0)) * m_)),
        activation_name_(p.text("activation")),
        activation_(activation_named(activation_name_)),
        slope_(activation_ == two_layer::Activation::LeakyRelu ? p.real("slope") : 0.0),
        loss_(ctx.loss ? ctx.loss : &squared_error_),
        log_mean_(capability<LogMeanObjective>(loss_)),
        kernel_(two_layer::select_kernel()),
        float32_(p.text("precision") == "float32"),
        workers_(static_cast<int>(std::min<std::int64_t>(p.integer("threads"), kAccumulators))) {
    // float32 plans for the width it computes with (padded to whole vectors), so that a network and
    // its zero-padded twin chunk their samples alike.
    const Index computed_width = float32_ ? two_layer::padded_width(m_) : m_;
    const ChunkPlan plan = plan_chunks(computed_width * two_layer::stored_per_neuron(activation_), float32_ ? 4 : 8);
    chunk_ = plan.chunk;
    keeps_activations_ = plan.keep;
    // Working space per worker (kernel.hpp), then the loss's three values per
    // sample of a chunk; float32 training adds the weights and the gradient
    // in float beside it.
    const Index work = two_layer::scratch_size(d_, m_, chunk_, keeps_activations_, activation_);
    for (int w = 0; w < workers_; ++w) {
      scratch_.emplace_back(static_cast<std::size_t>(work + 3 * chunk_));
      scratch32_.emplace_back(float32_ ? static_cast<std::size_t>(two_layer::scratch32_size(
                                             d_, m_, bias_, chunk_, keeps_activations_, activation_))
                                       : 0);
    }
    if (workers_ > 1) pool_ = std::make_unique<two_layer::WorkerPool>(workers_);
    if (p.flag("scale_by_sqrt_width")) scale_ /= std::sqrt(static_cast<double>(m_));
  }

  Index input_dim() const override { return d_; }
  Index width() const override { return m_; }
  bool has_bias() const override { return bias_; }
  Index num_parameters() const override { return theta_.size(); }

  void initialize(Rng& rng) override {
    double* W = theta_.data();
    double* a = W + d_ * m_;
    double* b = bias_ ? a + m_ : nullptr;
    // Neuron by neuron, so a wider network starts with the same first neurons.
    for (Index j = 0; j < m_; ++j) {
      if (init_ == "gaussian") {
        for (Index i = 0; i < d_; ++i) W[i * m_ + j] = scale_ * rng.normal();
        a[j] = scale_ * rng.normal();
        if (b) b[j] = scale_ * rng.normal();
      } else if (init_ == "balanced") {
        double norm2 = 0.0;
        for (Index i = 0; i < d_; ++i) {
          W[i * m_ + j] = scale_ * rng.normal();
          norm2 += W[i * m_ + j] * W[i * m_ + j];
        }
        a[j] = (rng.coin() ? 1.0 : -1.0) * std::sqrt(norm2);
        if (b) b[j] = 0.0;
      } else {  // dominated: |a_j| = s > |w_j| = s * ratio
        double norm2 = 0.0;
        for (Index i = 0; i < d_; ++i) {
          W[i * m_ + j] = rng.normal();
          norm2 += W[i * m_ + j] * W[i * m_ + j];
        }
        const double to_radius = norm2 > 0 ? scale_ * ratio_ / std::sqrt(norm2) : 0.0;
        for (Index i = 0; i < d_; ++i) W[i * m_ + j] *= to_radius;
        a[j] = (rng.coin() ? 1.0 : -1.0) * scale_;
        if (b) b[j] = 0.0;
      }
    }
  }

  Eigen::Map<Vector> parameters() override { return {theta_.data(), theta_.size()}; }
  Eigen::Map<const Vector> parameters() const override { return {theta_.data(), theta_.size()}; }

  TwoLayerView view() const override {
    const double* W = theta_.data();
    return TwoLayerView{Eigen::Map<const Eigen::MatrixXd>(W, m_, d_), Eigen::Map<const Vector>(W + d_ * m_, m_),
                        Eigen::Map<const Vector>(W + (d_ + 1) * m_, bias_ ? m_ : 0), activation_name_, slope_};
  }

  void assign(const Eigen::MatrixXd& W, const Vector& a, const Vector& b) override {
    if (W.rows() != m_ || W.cols() != d_ || a.size() != m_ || b.size() != (bias_ ? m_ : 0))
      throw std::invalid_argument("weights of shape W " + std::to_string(W.rows()) + "x" + std::to_string(W.cols()) +
                                  ", a " + std::to_string(a.size()) + ", b " + std::to_string(b.size()) +
                                  " do not fit this model (width " + std::to_string(m_) + ", d " + std::to_string(d_) +
                                  (bias_ ? ", with bias)" : ", no bias)"));
    Eigen::Map<Eigen::MatrixXd>(theta_.data(), m_, d_) = W;  // column-major m x d: the layout of theta
    theta_.segment(d_ * m_, m_) = a;
    if (bias_) theta_.segment((d_ + 1) * m_, m_) = b;
  }

  void predict(const RowMatrix& X, Vector& out) const override {
    out.resize(X.rows());
    for (Index k = 0; k < X.rows(); ++k) out[k] = forward(X.row(k).data());
  }

  void* find_capability(std::string_view name) override {
    return offer<PopulationTraining, HessianProducts, LogMeanTraining>(this, name);
  }

  // Hessian-vector products (hessian_isa.cpp), in float64 whatever the
  // training precision, on one thread; the working space is sized at the first call.
  double hessian_vector_product(const RowMatrix& X, const Vector& y, Rows rows, const double* v,
                                double* product) const override {
    if (y.size() != X.rows())
      throw std::invalid_argument(std::to_string(y.size()) + " labels for " + std::to_string(X.rows()) + " samples");
    const auto* curvature = capability<LossCurvature>(loss_);
    if (!curvature)
      throw std::invalid_argument("the loss '" + loss_->name() + "' gives no second derivative (capability 'loss_curvature')");
    constexpr Index kHessianChunk = 16;
    if (hessian_scratch_.empty())
      hessian_scratch_.resize(static_cast<std::size_t>(two_layer::hessian_scratch_size(d_, m_, kHessianChunk)));
    const two_layer::HessianArgs args{theta_.data(), v,       product, d_, m_, bias_, X.data(), y.data(),
                                      rows.empty() ? nullptr : rows.data(),
                                      rows.empty() ? X.rows() : static_cast<Index>(rows.size()),
                                      hessian_scratch_.data(), kHessianChunk, activation_, slope_, loss_, curvature};
    return kernel_.hessian_vector_product(args);
  }

  // The population loss (n = "infinite") is the closed form of a bias-free
  // ReLU or leaky ReLU network (docs/science.md §8), computed in float64.
  Refusal population_refusal() const override {
    if (bias_)
      return {"bias", "the population loss has a closed form for networks without a hidden bias only; set bias = "
                      "false, or give n a number"};
    if (activation_ == two_layer::Activation::Gelu)
      return {"activation", "the population loss has a closed form for relu and leaky_relu (the arc-cosine kernel), "
                            "not for gelu; give n a number to train a GeLU network on samples"};
    if (float32_)
      return {"precision", "the population loss is a closed form computed in float64; precision = \"float32\" "
                           "applies to steps on samples"};
    return {};
  }

  void use_teacher(const math::gaussian::ReluExpansion& teacher, double noise_variance) override {
    teacher_W_ = teacher.W, teacher_a_ = teacher.a, teacher_beta_ = teacher.beta;
    population_ = std::make_unique<math::population::StudentPopulationLoss>(m_, d_, slope_, teacher_expansion(),
                                                                             noise_variance, stop_);
  }

  double population_loss_and_gradient(double* gradient) const override {
    if (!population_) throw std::logic_error("two_layer: population_loss_and_gradient before use_teacher");
    const Eigen::Map<const Eigen::MatrixXd> W(theta_.data(), m_, d_);
    const Eigen::Map<const Vector> a(theta_.data() + d_ * m_, m_);
    population_->begin(W, a, teacher_expansion());
    PopulationCall call{this, gradient != nullptr};
    if (pool_) pool_->run(&population_parts, &call);
    else population_parts(&call, 0);
    if (!gradient) return population_->finish(W, a, teacher_expansion(), nullptr, nullptr);
    Eigen::Map<Eigen::MatrixXd> gW(gradient, m_, d_);
    Eigen::Map<Vector> ga(gradient + d_ * m_, m_);
    Eigen::Ref<Eigen::MatrixXd> grad_W(gW);
    Eigen::Ref<Vector> grad_a(ga);
    return population_->finish(W, a, teacher_expansion(), &grad_W, &grad_a);
  }

  // Training steps (a gradient is asked for) run in the model's precision;
  // a loss alone (metrics, reports) is always computed in float64.
  double loss_and_gradient_for(const RowMatrix& X, const Vector& y, Rows rows, double* gradient) const override {
    if (y.size() != X.rows())
      throw std::invalid_argument(std::to_string(y.size()) + " labels for " + std::to_string(X.rows()) + " samples");
    return log_mean_ ? log_mean_loss_and_gradient(X, y, rows, gradient) : kernel_call(X, y, rows, gradient, loss_);
  }

 private:
  // J = log((1/n) sum_k l_k) in two passes of the kernel, each a gradient call
  // so that both compute the outputs alike, to the bit: the first sums
  // log S = log sum_k l_k as a running log-sum-exp in sample order (blocks one
  // after another: the bytes do not depend on threads) and back-propagates
  // zeros; the second back-propagates each derivative scaled by 1/S. Every
  // weight l'_k / S then comes from the same outputs as S, so it is at most 1
  // even where the margins are too large for float64 to tell them apart.
  double log_mean_loss_and_gradient(const RowMatrix& X, const Vector& y, Rows rows, double* gradient) const {
    const Index count = rows.empty() ? X.rows() : static_cast<Index>(rows.size());
    if (log_mean_gradient_.empty()) log_mean_gradient_.resize(static_cast<std::size_t>(theta_.size()));
    const LogSumOfLosses sum(*log_mean_);
    two_layer::KernelArgs first = kernel_args(X, y, rows, log_mean_gradient_.data(), &sum);
    first.float32 = float32_ && gradient != nullptr;  // as the second pass, or float64 for a loss alone
    for (Index b = 0; b * kSamplesPerBlock < count; ++b)
      kernel_.loss_and_gradient(count <= kSamplesPerBlock ? first : block_args(first, b, 0, first.gradient));
    const double log_sum = sum.log_sum();
    if (gradient) {
      const ScaledByLogSum scaled(*log_mean_, log_sum);
      kernel_call(X, y, rows, gradient, &scaled);
    }
    return log_sum - std::log(static_cast<double>(count));
  }

  // The kernel's arguments for the rows of X, with `loss` for the per-sample values and derivatives.
  two_layer::KernelArgs kernel_args(const RowMatrix& X, const Vector& y, Rows rows, double* gradient,
                                    const Loss* loss) const {
    const Index count = rows.empty() ? X.rows() : static_cast<Index>(rows.size());
    return two_layer::KernelArgs{theta_.data(),
                                 d_,
                                 m_,
                                 bias_,
                                 X.data(),
                                 y.data(),
                                 rows.empty() ? nullptr : rows.data(),
                                 count,
                                 count,
                                 gradient,
                                 scratch_[0].data(),
                                 chunk_,
                                 keeps_activations_,
                                 float32_ && gradient != nullptr,
                                 scratch32_[0].data(),
                                 activation_,
                                 slope_,
                                 loss,
                                 scratch_[0].data() + loss_scratch_offset(),
                                 polls_stop(gradient, count) ? stop_.flag() : nullptr};
  }

  double kernel_call(const RowMatrix& X, const Vector& y, Rows rows, double* gradient, const Loss* loss) const {
    const two_layer::KernelArgs args = kernel_args(X, y, rows, gradient, loss);
    const double value =
        args.count <= kSamplesPerBlock ? kernel_.loss_and_gradient(args) : blocked_loss_and_gradient(args);
    if (args.stop && stop_.requested()) throw Interrupted();  // the kernel gave up part-way: no loss to return
    return value;
  }

  // A loss alone over this many (sample, neuron) pairs or more takes about a
  // tenth of a second or longer: it reads the host's stop request between
  // chunks. Training steps never do (the optimizer's reports take stops), and
  // neither do short calls, which always finish.
  static constexpr double kPolledWork = 1e8;
  bool polls_stop(const double* gradient, Index count) const {
    return gradient == nullptr && static_cast<double>(count) * static_cast<double>(m_) >= kPolledWork;
  }

  // Samples go through the kernel in chunks: see kernel_isa.cpp. Pass 1
  // keeps the chunk's activations for pass 2: as many samples as fit kActivationBudget (an L2 cache's share), between
  // kMinKeptChunk and kChunk. Below kMinKeptChunk (width > 2048 in float64) the
  // activations spill to L3 and the chunk stays at kMinKeptChunk: that still
  // runs twice as fast as recomputing them (SgdStep/10000, float64: 358 against
  // 773 us, docs/performance.md), up to kKeptMaxBytes of activations, beyond
  // which the recomputing path (W re-read, no activations) takes over.
  static constexpr Index kChunk = 64;
  static constexpr Index kActivationBudget = 256 * 1024;  // bytes
  static constexpr Index kMinKeptChunk = 16;
  static constexpr Index kKeptMaxBytes = Index{64} << 20;

  struct ChunkPlan {
    Index chunk;
    bool keep;  // the kept-activation path
  };
  // values_per_sample: the values pass 1 stores per sample (m, or 2m for GeLU), of value_bytes each.
  // RELULAB_KERNEL_PATH=recompute forces the recomputing path (the tests check both paths at any width).
  static ChunkPlan plan_chunks(Index values_per_sample, Index value_bytes) {
    const Index bytes_per_sample = values_per_sample * value_bytes;
    const char* forced = std::getenv("RELULAB_KERNEL_PATH");
    const bool recompute = forced && std::string(forced) == "recompute";
    if (recompute || bytes_per_sample * kMinKeptChunk > kKeptMaxBytes) return {kChunk, false};
    const Index fitting = kActivationBudget / bytes_per_sample / 4 * 4;
    return {std::clamp(fitting, kMinKeptChunk, kChunk), true};
  }

  // A call on more samples than one block splits them into blocks of
  // kSamplesPerBlock consecutive samples. Accumulator i sums blocks i, i + A,
  // i + 2A, ... in that order (A = kAccumulators), and the accumulators are
  // summed in order: a fixed reduction tree, so the bytes do not depend on
  // how many threads share the accumulators. Mini-batches (at most one block)
  // take the kernel directly.
  static constexpr Index kSamplesPerBlock = 4096;
  static constexpr int kAccumulators = 8;

  struct BlockedCall {
    const TwoLayer* model;
    const two_layer::KernelArgs* whole;
    Index blocks;
  };

  // The kernel's arguments for block b of a call, in worker w's scratch.
  two_layer::KernelArgs block_args(const two_layer::KernelArgs& whole, Index b, int w, double* gradient) const {
    two_layer::KernelArgs a = whole;
    const Index first = b * kSamplesPerBlock;
    a.count = std::min(kSamplesPerBlock, whole.count - first);
    if (whole.rows) a.rows = whole.rows + first;
    else a.X = whole.X + first * d_, a.y = whole.y + first;
    a.gradient = gradient;
    a.scratch = scratch_[static_cast<std::size_t>(w)].data();
    a.scratch32 = scratch32_[static_cast<std::size_t>(w)].data();
    a.loss_scratch = a.scratch + loss_scratch_offset();
    return a;
  }

  // Worker w's share: accumulators w, w + workers, ...
  static void accumulate(void* context, int w) {
    const auto& call = *static_cast<const BlockedCall*>(context);
    const TwoLayer& self = *call.model;
    const Index size = self.theta_.size();
    for (int acc = w; acc < kAccumulators; acc += self.workers_) {
      double* sum = call.whole->gradient ? self.accumulated_.data() + acc * size : nullptr;
      double* block = call.whole->gradient ? self.block_gradient_.data() + w * size : nullptr;
      double loss = 0.0;
      for (Index b = acc; b < call.blocks; b += kAccumulators) {
        const double part = self.kernel_.loss_and_gradient(self.block_args(*call.whole, b, w, b == acc ? sum : block));
        loss += part;
        if (sum && b != acc)
          for (Index i = 0; i < size; ++i) sum[i] += block[i];
      }
      self.accumulated_loss_[static_cast<std::size_t>(acc)] = loss;
    }
  }

  double blocked_loss_and_gradient(const two_layer::KernelArgs& whole) const {
    const Index blocks = (whole.count + kSamplesPerBlock - 1) / kSamplesPerBlock, size = theta_.size();
    if (whole.gradient && accumulated_.empty()) {  // once per model, at its first full-batch gradient
      accumulated_.resize(static_cast<std::size_t>(kAccumulators * size));
      block_gradient_.resize(static_cast<std::size_t>(workers_ * size));
    }
    BlockedCall call{this, &whole, blocks};
    if (pool_) pool_->run(&accumulate, &call);
    else accumulate(&call, 0);
    const Index used = std::min<Index>(kAccumulators, blocks);
    double loss = 0.0;
    for (Index acc = 0; acc < used; ++acc) loss += accumulated_loss_[static_cast<std::size_t>(acc)];
    if (whole.gradient) {
      std::copy_n(accumulated_.data(), size, whole.gradient);
      for (Index acc = 1; acc < used; ++acc)
        for (Index i = 0; i < size; ++i) whole.gradient[i] += accumulated_[acc * size + i];
    }
    return loss;
  }

  struct PopulationCall {
    const TwoLayer* model;
    bool gradient;
  };
  // Worker w's share of the population sums: parts w, w + workers, ... (the parts are fixed, so the bytes
  // do not depend on the number of threads).
  static void population_parts(void* context, int w) {
    const auto& call = *static_cast<const PopulationCall*>(context);
    const TwoLayer& self = *call.model;
    const Eigen::Map<const Eigen::MatrixXd> W(self.theta_.data(), self.m_, self.d_);
    for (int part = w; part < self.population_->parts(); part += self.workers_)
      self.population_->run(W, self.teacher_expansion(), part, call.gradient);
  }
  math::gaussian::ReluExpansion teacher_expansion() const { return {teacher_W_, teacher_a_, teacher_beta_}; }

  Index loss_scratch_offset() const { return two_layer::scratch_size(d_, m_, chunk_, keeps_activations_, activation_); }

  // sigma(z) for predictions (not a hot path; the kernel's vector forms are in activation.hpp).
  double activate(double z) const {
    switch (activation_) {
      case two_layer::Activation::LeakyRelu: return z > 0.0 ? z : slope_ * z;
      case two_layer::Activation::Gelu: return 0.5 * z * (1.0 + std::erf(z * 0.70710678118654752440));
      default: return z > 0.0 ? z : 0.0;
    }
  }

  // h(x), for predictions.
  double forward(const double* x) const {
    const double* W = theta_.data();
    const double* a = W + d_ * m_;
    double h = 0.0;
    for (Index j = 0; j < m_; ++j) {
      double z = bias_ ? a[m_ + j] : 0.0;
      for (Index i = 0; i < d_; ++i) z += W[i * m_ + j] * x[i];
      h += activation_ == two_layer::Activation::Relu ? (z > 0.0 ? a[j] * z : 0.0) : a[j] * activate(z);
    }
    return h;
  }

  StopToken stop_;  // a long loss-only call reads it (polls_stop)
  Index d_, m_;
  bool bias_;
  std::string init_;
  double scale_, ratio_;
  Vector theta_;
  std::string activation_name_;
  two_layer::Activation activation_;
  double slope_;  // leaky ReLU's alpha (0 for the others)
  SquaredError squared_error_;  // the loss when the host gives none
  const Loss* loss_;
  const LogMeanObjective* log_mean_;  // the loss's, when it trains on the log of its mean (null otherwise)
  mutable std::vector<double> log_mean_gradient_;  // the first pass's discarded gradient (sized at its first call)
  Index chunk_;  // samples per chunk
  bool keeps_activations_;  // the kept path
  two_layer::Kernel kernel_;  // the widest instruction set this CPU runs
  bool float32_;  // training steps in float32
  int workers_;  // threads sharing a call of more than one block
  mutable std::vector<std::vector<double, CacheLineAllocator<double>>> scratch_;  // per worker, sized once
  mutable std::vector<std::vector<float, CacheLineAllocator<float>>> scratch32_;  // per worker, float32 only
  std::unique_ptr<two_layer::WorkerPool> pool_;  // with more than one worker
  mutable std::vector<double> hessian_scratch_;  // the Hessian-vector product's, sized at its first call
  mutable std::vector<double> accumulated_, block_gradient_;  // kAccumulators and workers_ gradients
  mutable std::array<double, kAccumulators> accumulated_loss_{};
  Eigen::MatrixXd teacher_W_;  // n = "infinite": the teacher's units, output weights and linear part
  Vector teacher_a_, teacher_beta_;
  std::unique_ptr<math::population::StudentPopulationLoss> population_;  // its working space
};

PluginDescriptor describe() {
  Schema s;
  s.integer("width", "number of hidden neurons m").def(100).at_least(1).at_most(100'000'000);
  s.flag("bias", "give every hidden neuron a bias b_j").def(false);
  s.text("activation",
         "sigma: relu, leaky_relu (max(z, slope z)), or gelu (z Phi(z), the erf form as PyTorch's default)")
      .def("relu")
      .one_of({"relu", "leaky_relu", "gelu"});
  s.real("slope", "leaky_relu's slope alpha for z < 0 (0: ReLU, 1: a linear network); PyTorch's default 0.01")
      .def(0.01)
      .at_least(0)
      .at_most(1);
  s.text("init",
         "gaussian: W, a entries N(0, s^2); balanced: w_j ~ N(0, s^2 I), a_j = +-|w_j|; dominated: |a_j| = s, "
         "|w_j| = s * dominance_ratio")
      .def("gaussian")
      .one_of({"gaussian", "balanced", "dominated"});
  s.real("init_scale", "initialisation scale s (small: feature-learning regime; 0 starts at a stationary point)")
      .def(1e-3)
      .at_least(0);
  s.flag("scale_by_sqrt_width", "divide init_scale by sqrt(width)").def(false);
  s.text("precision",
         "arithmetic of the training steps: float64, or float32 (twice the SIMD lanes; weights, optimizer state, "
         "losses and metrics stay float64)")
      .def("float64")
      .one_of({"float64", "float32"});
  s.integer("threads",
            "threads that share a loss and gradient over more than 4096 samples (full batch, large n); the bytes "
            "do not depend on it")
      .def(1)
      .at_least(1)
      .at_most(4.0 * std::max(1u, std::thread::hardware_concurrency()))
      .same_results();
  s.real("dominance_ratio", "|w_j| / |a_j| at initialisation for init = dominated").def(0.5).above(0).below(1);
  PluginDescriptor d = make_plugin<TwoLayer>(
      "two_layer", "2.0.0", "two-layer network (ReLU, leaky ReLU or GeLU), any loss plugin, optional hidden bias", s);
  d.aliases = {"two_layer_relu"};
  d.details = std::string("kernel: ") + two_layer::select_kernel().isa +
              " (chosen at load for this CPU from the compiled sse2, avx2, avx512; RELULAB_ISA overrides)";
  return d;
}

}  // namespace

RELULAB_PLUGIN(describe)
