// Training on infinite data (docs/science.md §8): the population loss of a
// bias-free student against a Gaussian-input teacher, E[(F(x) - G(x))^2] for
// two ReLU expansions (gaussian.hpp), and its gradient with respect to F.
//
// With R = F - G and F(x) = sum_j a_j relu(<w_j, x>) + <beta, x>:
//   d/da_j  E[R^2] = 2 E[R relu(<w_j, x>)]
//   d/dw_j  E[R^2] = 2 a_j E[R 1{<w_j, x> > 0} x]
//   d/dbeta E[R^2] = 2 E[R x]
// and every expectation is a sum over pairs of units, from
//   E[relu(<u,x>) relu(<v,x>)]    = |u||v| (sin phi + (pi - phi) cos phi) / (2 pi)
//   E[1{<u,x> > 0} relu(<v,x>) x] = ((pi - phi) v + |v| sin phi u / |u|) / (2 pi)
//   E[1{<u,x> > 0} <b,x> x] = b / 2,  E[relu(<u,x>) x] = u / 2,  E[<b,x> x] = b.
// A unit with u = 0 gets no gradient (relu'(0) = 0, as the sampled gradient).
//
// Cost: one arc-cosine per pair of student units (each pair once: the sums
// are symmetric) and per (student, teacher) pair, O(m^2 d) in all. The pairs
// come in tiles of kTile x kTile units; tiles are dealt to kParts fixed parts,
// which any threads may run, and the parts are added in order: the bytes do
// not depend on the number of threads. Nothing is allocated after reserve().
#pragma once

#include <relulab/math/gaussian.hpp>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace relulab::math::population {

using gaussian::ReluExpansion;

// The pair terms of units u and v at angle phi, divided by 2 pi:
// kernel = E[relu relu], angle = (pi - phi) / (2 pi), sine = sin(phi) / (2 pi).
struct PairTerms {
  double kernel, angle, sine;
};
inline PairTerms pair_terms(double norm_u, double norm_v, double inner) {
  if (norm_u == 0.0 || norm_v == 0.0) return {0.0, 0.0, 0.0};
  const double c = std::clamp(inner / (norm_u * norm_v), -1.0, 1.0);
  const double angle = (std::numbers::pi - std::acos(c)) / (2.0 * std::numbers::pi);
  const double sine = std::sqrt(std::max(0.0, 1.0 - c * c)) / (2.0 * std::numbers::pi);
  return {norm_u * norm_v * (sine + angle * c), angle, sine};
}

// E[1{<u,x> > 0} relu(<v,x>) x], the kernel's gradient in its first argument.
inline Vector relu_kernel_gradient(const Vector& u, const Vector& v) {
  const double nu = u.norm(), nv = v.norm();
  const PairTerms t = pair_terms(nu, nv, u.dot(v));
  if (nu == 0.0) return Vector::Zero(u.size());
  return t.angle * v + t.sine * nv / nu * u;
}

// The gradient of E[(F - G)^2] with respect to F's W (m x d), a and beta.
struct ExpansionGradient {
  Eigen::Ref<Eigen::MatrixXd> W;
  Eigen::Ref<Vector> a;
  Eigen::Ref<Vector> beta;  // empty when F has no linear part
};

class SquaredDistanceGradient {
 public:
  static constexpr int kParts = 8;
  static constexpr Index kTile = 64;

  // Sizes the working space for F of m units in d dimensions against G of k units.
  void reserve(Index m, Index d, Index k) {
    m_ = m, d_ = d, k_ = k;
    for (Part& p : parts_) {
      p.pull.resize(m, d);
      p.sine.resize(m), p.self.resize(m), p.cross.resize(m);
      p.gram.resize(kTile, kTile), p.angle.resize(kTile, kTile);
    }
    weighted_.resize(m, d), norms_.resize(m), weighted_norms_.resize(m);
    g_weighted_.resize(k, d), g_norms_.resize(k), g_weighted_norms_.resize(k);
    for (Vector* v : {&f_linear_, &g_linear_, &f_units_, &g_units_, &gap_}) v->resize(d);
    tiles_ = (m + kTile - 1) / kTile, g_tiles_ = (k + kTile - 1) / kTile;
  }

  // Before the parts: F's and G's norms and weighted units (one pass, O((m + k) d)).
  void begin(const ReluExpansion& F, const ReluExpansion& G) {
    norms_ = F.W.rowwise().norm();
    weighted_ = F.a.asDiagonal() * F.W;
    weighted_norms_ = F.a.cwiseProduct(norms_);
    g_norms_ = G.W.rowwise().norm();
    g_weighted_ = G.a.asDiagonal() * G.W;
    g_weighted_norms_ = G.a.cwiseProduct(g_norms_);
  }

  // Part `part` of kParts: the tiles (I, J), I <= J, of student pairs and the
  // (I, teacher) tiles whose running number is part modulo kParts. Without
  // `gradient` only the loss's sums (half the work after the arc-cosines).
  void accumulate(const ReluExpansion& F, const ReluExpansion& G, int part, bool gradient) {
    Part& p = parts_[static_cast<std::size_t>(part)];
    p.gradient = gradient;
    p.self.setZero(), p.cross.setZero();
    if (gradient) p.pull.setZero(), p.sine.setZero();
    Index number = 0;
    for (Index I = 0; I < tiles_; ++I) {
      for (Index J = I; J < tiles_; ++J, ++number)
        if (number % kParts == part) student_tile(F, I, J, p);
      for (Index T = 0; T < g_tiles_; ++T, ++number)
        if (number % kParts == part) teacher_tile(F, G, I, T, p);
    }
  }

  // Adds the parts in order and returns E[(F - G)^2] given g_square = E[G^2];
  // writes the gradient when `out` is given (then the parts must have run with gradient = true).
  double finish(const ReluExpansion& F, const ReluExpansion& G, double g_square, ExpansionGradient* out) {
    Part& sum = parts_[0];
    for (std::size_t q = 1; q < parts_.size(); ++q) {
      sum.self += parts_[q].self, sum.cross += parts_[q].cross;
      if (out) sum.pull += parts_[q].pull, sum.sine += parts_[q].sine;
    }
    f_linear_.setZero(), g_linear_.setZero();
    if (F.beta.size() > 0) f_linear_ = F.beta;
    if (G.beta.size() > 0) g_linear_ = G.beta;
    f_units_ = weighted_.colwise().sum().transpose();  // sum_j a_j w_j
    g_units_ = g_weighted_.colwise().sum().transpose();
    const double f_square = F.a.dot(sum.self) + f_linear_.dot(f_units_) + f_linear_.squaredNorm();
    const double f_g =
        F.a.dot(sum.cross) + 0.5 * f_units_.dot(g_linear_) + 0.5 * g_units_.dot(f_linear_) + f_linear_.dot(g_linear_);
    if (out) gradient(F, sum, *out);
    return f_square - 2.0 * f_g + g_square;
  }

 private:
  // A part's sums per student unit j:
  //   pull  = sum_k a_k (pi - phi_jk)/(2 pi) w_k - (the same over G's units)
  //   sine  = sum_k a_k |w_k| sin(phi_jk)/(2 pi) - (the same over G's units)
  //   self  = sum_k a_k E[relu(<w_j,x>) relu(<w_k,x>)],  cross = the same over G's units
  struct Part {
    Eigen::MatrixXd pull;
    Vector sine, self, cross;
    Eigen::MatrixXd gram, angle;  // one tile's inner products and angle terms
    bool gradient = true;  // the pull and sine sums too
  };

  // Student units I x J (I <= J): each pair's terms go to both of its units.
  void student_tile(const ReluExpansion& F, Index I, Index J, Part& p) {
    const Index i0 = I * kTile, j0 = J * kTile, ni = std::min(kTile, m_ - i0), nj = std::min(kTile, m_ - j0);
    auto gram = p.gram.topLeftCorner(ni, nj);
    auto angle = p.angle.topLeftCorner(ni, nj);
    gram.noalias() = F.W.middleRows(i0, ni).lazyProduct(F.W.middleRows(j0, nj).transpose());
    for (Index k = 0; k < nj; ++k)
      for (Index j = 0; j < ni; ++j) {
        const Index row = i0 + j, col = j0 + k;
        if (I == J && col < row) {  // the lower half of a diagonal tile: its pairs are in the upper half
          angle(j, k) = 0.0;
          continue;
        }
        // A unit with itself: phi = 0 exactly (a rounded Gram entry would give phi ~ 1e-8).
        const PairTerms t = row == col ? PairTerms{0.5 * norms_[row] * norms_[row], norms_[row] > 0 ? 0.5 : 0.0, 0.0}
                                       : pair_terms(norms_[row], norms_[col], gram(j, k));
        angle(j, k) = t.angle;
        p.self[row] += t.kernel * F.a[col];
        if (row != col) p.self[col] += t.kernel * F.a[row];
        if (!p.gradient) continue;
        p.sine[row] += t.sine * weighted_norms_[col];
        if (row != col) p.sine[col] += t.sine * weighted_norms_[row];
      }
    if (!p.gradient) return;
    p.pull.middleRows(i0, ni).noalias() += angle.lazyProduct(weighted_.middleRows(j0, nj));
    if (I == J) {  // the pairs below the diagonal, by symmetry (the diagonal counted once)
      angle.diagonal().setZero();
      p.pull.middleRows(i0, ni).noalias() += angle.transpose().lazyProduct(weighted_.middleRows(j0, nj));
    } else {
      p.pull.middleRows(j0, nj).noalias() += angle.transpose().lazyProduct(weighted_.middleRows(i0, ni));
    }
  }

  // Student units I against teacher units T: terms to the student units only.
  void teacher_tile(const ReluExpansion& F, const ReluExpansion& G, Index I, Index T, Part& p) {
    const Index i0 = I * kTile, t0 = T * kTile, ni = std::min(kTile, m_ - i0), nt = std::min(kTile, k_ - t0);
    auto gram = p.gram.topLeftCorner(ni, nt);
    auto angle = p.angle.topLeftCorner(ni, nt);
    gram.noalias() = F.W.middleRows(i0, ni).lazyProduct(G.W.middleRows(t0, nt).transpose());
    for (Index k = 0; k < nt; ++k)
      for (Index j = 0; j < ni; ++j) {
        const PairTerms t = pair_terms(norms_[i0 + j], g_norms_[t0 + k], gram(j, k));
        angle(j, k) = t.angle;
        p.cross[i0 + j] += t.kernel * G.a[t0 + k];
        if (p.gradient) p.sine[i0 + j] -= t.sine * g_weighted_norms_[t0 + k];
      }
    if (!p.gradient) return;
    p.pull.middleRows(i0, ni).noalias() -= angle.lazyProduct(g_weighted_.middleRows(t0, nt));
  }

  // From the summed part, with gap = beta_F - beta_G:
  //   E[R relu(<w_j,x>)]        = self_j - cross_j + <w_j, gap>/2
  //   E[R 1{<w_j,x> > 0} x]     = pull_j + sine_j w_j/|w_j| + gap/2
  //   E[R x]                    = (sum_j a_j w_j - sum_i a*_i w*_i)/2 + gap
  void gradient(const ReluExpansion& F, const Part& sum, ExpansionGradient& out) {
    gap_ = f_linear_ - g_linear_;
    out.a = 2.0 * (sum.self - sum.cross);
    out.a.noalias() += F.W * gap_;
    for (Index j = 0; j < m_; ++j) {
      if (norms_[j] == 0.0) {
        out.W.row(j).setZero();
        continue;
      }
      out.W.row(j) = 2.0 * F.a[j] * (sum.pull.row(j) + (sum.sine[j] / norms_[j]) * F.W.row(j) + 0.5 * gap_.transpose());
    }
    if (out.beta.size() > 0) out.beta = f_units_ - g_units_ + 2.0 * gap_;
  }

  Index m_ = 0, d_ = 0, k_ = 0, tiles_ = 0, g_tiles_ = 0;
  std::vector<Part> parts_ = std::vector<Part>(kParts);
  Eigen::MatrixXd weighted_, g_weighted_;  // a_j w_j of F and of G
  Vector norms_, weighted_norms_, g_norms_, g_weighted_norms_;  // |w_j| and a_j |w_j|
  Vector f_linear_, g_linear_, f_units_, g_units_, gap_;  // d each: the linear parts and sum_j a_j w_j
};

// A bias-free student h(x) = sum_j a_j sigma(<w_j, x>), sigma = ReLU (slope 0)
// or leaky ReLU: its population loss E[(h - y)^2] = E[(h - f*)^2] + noise
// against a teacher f* and its gradient in the model's terms. Leaky ReLU is
// alpha z + (1 - alpha) relu(z), so the student's expansion has units
// (1 - alpha) a_j and beta = alpha sum_j a_j w_j, and the chain rule gives
//   dL/dw_j = dL/dw'_j + alpha a_j dL/dbeta,  dL/da_j = (1 - alpha) dL/da'_j + alpha <w_j, dL/dbeta>.
class StudentPopulationLoss {
 public:
  // A student of m units in d dimensions against `teacher`; computes E[f*^2] once.
  StudentPopulationLoss(Index m, Index d, double slope, const ReluExpansion& teacher, double noise_variance,
                        const StopToken& stop = {})
      : slope_(slope),
        teacher_square_(gaussian::squared_norm(teacher, stop)),
        noise_variance_(noise_variance),
        scaled_a_(m),
        beta_(slope > 0.0 ? d : 0),
        grad_W_(m, d),
        grad_a_(m),
        grad_beta_(slope > 0.0 ? d : 0) {
    distance_.reserve(m, d, teacher.W.rows());
  }

  int parts() const { return SquaredDistanceGradient::kParts; }

  // Call begin(), then run(part) for every part (any threads, any order), then finish().
  void begin(const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Vector>& a,
             const ReluExpansion& teacher) {
    scaled_a_ = (1.0 - slope_) * a;
    if (slope_ > 0.0) beta_.noalias() = slope_ * (W.transpose() * a);
    distance_.begin({W, scaled_a_, beta_}, teacher);
  }
  void run(const Eigen::Ref<const Eigen::MatrixXd>& W, const ReluExpansion& teacher, int part, bool gradient) {
    distance_.accumulate({W, scaled_a_, beta_}, teacher, part, gradient);
  }
  // The loss; with grad_W (m x d) and grad_a given, the gradient too.
  double finish(const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Vector>& a,
                const ReluExpansion& teacher, Eigen::Ref<Eigen::MatrixXd>* grad_W, Eigen::Ref<Vector>* grad_a) {
    const ReluExpansion F{W, scaled_a_, beta_};
    if (!grad_W) return distance_.finish(F, teacher, teacher_square_, nullptr) + noise_variance_;
    ExpansionGradient expansion{grad_W_, grad_a_, grad_beta_};
    const double loss = distance_.finish(F, teacher, teacher_square_, &expansion) + noise_variance_;
    *grad_W = grad_W_;
    *grad_a = (1.0 - slope_) * grad_a_;
    if (slope_ > 0.0) {
      grad_W->noalias() += slope_ * a * grad_beta_.transpose();
      grad_a->noalias() += slope_ * (W * grad_beta_);
    }
    return loss;
  }

  // All parts on this thread.
  double loss_and_gradient(const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Vector>& a,
                           const ReluExpansion& teacher, Eigen::Ref<Eigen::MatrixXd>* grad_W,
                           Eigen::Ref<Vector>* grad_a) {
    begin(W, a, teacher);
    for (int p = 0; p < parts(); ++p) run(W, teacher, p, grad_W != nullptr);
    return finish(W, a, teacher, grad_W, grad_a);
  }

 private:
  double slope_, teacher_square_, noise_variance_;
  Vector scaled_a_, beta_;
  Eigen::MatrixXd grad_W_;
  Vector grad_a_, grad_beta_;
  SquaredDistanceGradient distance_;
};

}  // namespace relulab::math::population
