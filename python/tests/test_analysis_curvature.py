"""relulab.analysis.curvature: the residual correlations g_j against central differences of the loss
(∂ℓ/∂w_j = a_j g_j), and a neuron no sample activates."""
import numpy as np
import pytest

from relulab.analysis import curvature


def _mse(W, a, X, y):
    return float(np.mean((np.maximum(X @ W.T, 0) @ a - y) ** 2))


def test_residual_correlations_times_a_are_the_gradient_in_w():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    W, a = rng.normal(size=(4, 3)), np.array([0.5, -1.2, 0.8, 2.0])
    g = curvature.residual_correlations(W, a, X, y)
    h = 1e-6  # no pre-activation is within 1e-4 of zero here (checked below), so no kink is crossed
    assert np.abs(X @ W.T).min() > 1e-4
    for j in range(4):
        grad = np.empty(3)
        for k in range(3):
            up, down = W.copy(), W.copy()
            up[j, k] += h
            down[j, k] -= h
            grad[k] = (_mse(up, a, X, y) - _mse(down, a, X, y)) / (2 * h)
        # Central differences of an O(1) quadratic: error ~h^2 plus rounding ~1e-16 / h = 1e-10.
        assert abs(a[j]) * g[j] == pytest.approx(np.linalg.norm(grad), rel=1e-7)


def test_a_neuron_no_sample_activates_has_no_residual_correlation():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    W = np.array([[-1.0, -1.0], [1.0, 0.0]])  # neuron 0: every pre-activation negative
    g = curvature.residual_correlations(W, np.array([1.0, 0.0]), X, np.array([1.0, 2.0, 3.0]))
    assert g[0] == 0.0
    # Neuron 1 (a = 0, so r = -y) is active on samples 0 and 2: g = (2/3)(-1·(1,0) - 3·(1,1)) = (2/3)(-4, -3).
    assert g[1] == pytest.approx(2 / 3 * 5, rel=1e-15)
