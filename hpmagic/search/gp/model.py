"""A Gaussian process on the unit cube: its hyperparameters fitted by marginal likelihood.

The losses are standardised before fitting (:mod:`.warp`), so the signal variance is near
one and the priors below mean the same on every problem. The hyperparameters are one
length scale per dimension, the signal variance and the noise variance, all searched in
logarithms by L-BFGS-B with the exact gradient, each with a log-normal prior: on five points
the likelihood alone is flat in most directions and would let a length scale run to zero
(every point its own island) or to infinity (a dimension ignored for good). The length
scales' prior is centred at ``0.5·√d`` of the unit range, so with more dimensions each one
is assumed to matter a little less, which is what keeps a GP from overfitting in 10-d.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .kernel import matern, matern_grad, per_dim_dist, sq_dist

#: from this many points on, a fit starts from the last fit's hyperparameters alone
WARM_ONLY_FROM = 40
#: jitter added to the noise so the Cholesky factor exists for repeated points
_JITTER = 1e-8


@dataclass(frozen=True)
class Priors:
    """Log-normal priors (the mean and sd of each logarithm) and the bounds of the search."""

    length_scale_sd: float = 1.0
    length_scale_at: float = 0.5  # the prior's median in 1-d, times √d in d dimensions
    signal_sd: float = 1.0
    noise_log_mean: float = math.log(1e-4)
    noise_sd: float = 3.0
    min_noise: float = 1e-6
    max_noise: float = 1.0

    def centre(self, d: int) -> np.ndarray:
        """The prior's median parameters: log ρ per dimension, log s², log σ²."""
        log_l = math.log(self.length_scale_at) + 0.5 * math.log(d)
        return np.concatenate([np.full(d, -2.0 * log_l), [0.0, self.noise_log_mean]])

    def bounds(self, d: int) -> list[tuple[float, float]]:
        rho = (math.log(1e-4), math.log(1e5))
        return [rho] * d + [
            (math.log(1e-2), math.log(1e2)),
            (math.log(self.min_noise), math.log(self.max_noise)),
        ]

    def neg_log(self, theta: np.ndarray, d: int) -> tuple[float, np.ndarray]:
        """Minus the log prior density (up to a constant) and its gradient."""
        centre = self.centre(d)
        sd = np.concatenate([np.full(d, 2.0 * self.length_scale_sd), [self.signal_sd, self.noise_sd]])
        z = (theta - centre) / sd
        return 0.5 * float(z @ z), z / sd


class GP:
    """The posterior given points ``x`` (n × d unit coordinates) and standardised losses ``y``."""

    def __init__(self, x: np.ndarray, y: np.ndarray, categorical: np.ndarray, theta: np.ndarray) -> None:
        self.x, self.y, self.categorical, self.theta = x, y, categorical, theta
        d = x.shape[1]
        self.rho, self.signal, self.noise = np.exp(theta[:d]), math.exp(theta[d]), math.exp(theta[d + 1])
        k = self.signal * matern(sq_dist(x, x, self.rho, categorical))
        k[np.diag_indices_from(k)] += self.noise + _JITTER
        self.chol = _cholesky(k)
        self.alpha = _solve(self.chol, y)

    def predict(self, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the latent function at the rows of ``c``."""
        kc = self.signal * matern(sq_dist(c, self.x, self.rho, self.categorical))
        v = _tri_solve(self.chol, kc.T)
        return kc @ self.alpha, np.maximum(self.signal - (v * v).sum(0), 1e-12)

    def predict_grad(self, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mean, variance and their gradients along every coordinate (zero along categorical ones)."""
        r2 = sq_dist(c, self.x, self.rho, self.categorical)
        kc = self.signal * matern(r2)
        diff = c[:, None, :] - self.x[None, :, :]  # m × n × d
        dk = (self.signal * matern_grad(r2))[:, :, None] * 2.0 * self.rho * diff
        dk[:, :, self.categorical] = 0.0
        v = _solve(self.chol, kc.T)  # K⁻¹ k(c): n × m
        mean = kc @ self.alpha
        var = np.maximum(self.signal - np.einsum("mn,nm->m", kc, v), 1e-12)
        return mean, var, dk.transpose(0, 2, 1) @ self.alpha, -2.0 * np.einsum("mnj,nm->mj", dk, v)

    def condition(self, x: np.ndarray, y: np.ndarray) -> GP:
        """The same hyperparameters with more points (running trials' believed values)."""
        return GP(np.vstack([self.x, x]), np.concatenate([self.y, y]), self.categorical, self.theta)


def neg_log_posterior(
    theta: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    categorical: np.ndarray,
    priors: Priors,
    dist: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Minus the log marginal likelihood plus the priors' penalty, and its gradient in ``theta``.

    ``dist``: :func:`~.kernel.per_dim_dist` of ``x``, computed once per fit by the caller."""
    n, d = x.shape
    dist = per_dim_dist(x, categorical) if dist is None else dist
    rho, signal, noise = np.exp(theta[:d]), math.exp(theta[d]), math.exp(theta[d + 1])
    r2 = sq_dist(x, x, rho, categorical)
    m = matern(r2)
    k = signal * m
    k[np.diag_indices_from(k)] += noise + _JITTER
    try:
        chol = _cholesky(k)
    except np.linalg.LinAlgError:
        return 1e10, np.zeros_like(theta)
    alpha = _solve(chol, y)
    value = 0.5 * float(y @ alpha) + float(np.log(np.diag(chol)).sum()) + 0.5 * n * math.log(2 * math.pi)
    w = _solve(chol, np.eye(n)) - np.outer(alpha, alpha)
    grad = np.empty_like(theta)
    g = w * (signal * matern_grad(r2))
    grad[:d] = 0.5 * rho * np.einsum("ab,abj->j", g, dist)
    grad[d] = 0.5 * signal * float((w * m).sum())
    grad[d + 1] = 0.5 * noise * float(np.trace(w))
    penalty, dpenalty = priors.neg_log(theta, d)
    return value + penalty, grad + dpenalty


def fit(
    x: np.ndarray,
    y: np.ndarray,
    categorical: np.ndarray,
    priors: Priors,
    start: np.ndarray | None = None,
    maxiter: int = 200,
) -> GP:
    """The GP with the hyperparameters of highest posterior density, searched from ``start``
    (the last fit's, so a study's refits are short) and, while the points are few (where the
    likelihood has more than one mode and a fit is cheap), from the priors' centre too."""
    from scipy.optimize import minimize

    n, d = x.shape
    dist = per_dim_dist(x, categorical)
    warm = start is not None and len(start) == d + 2
    starts = ([] if warm and n >= WARM_ONLY_FROM else [priors.centre(d)]) + ([start] if warm else [])
    best: tuple[float, np.ndarray] | None = None
    for theta0 in starts:
        res = minimize(
            neg_log_posterior,
            theta0,
            args=(x, y, categorical, priors, dist),
            jac=True,
            method="L-BFGS-B",
            bounds=priors.bounds(d),
            options={"maxiter": maxiter},
        )
        if np.isfinite(res.fun) and (best is None or res.fun < best[0]):
            best = (float(res.fun), res.x)
    theta = best[1] if best is not None else priors.centre(d)
    return GP(x, y, categorical, theta)


def _cholesky(k: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.cholesky(k)
    except np.linalg.LinAlgError:  # nearly repeated points: a little more jitter
        return np.linalg.cholesky(k + 1e-6 * np.eye(len(k)))


def _tri_solve(chol: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.linalg import solve_triangular

    return solve_triangular(chol, b, lower=True, check_finite=False)


def _solve(chol: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.linalg import cho_solve

    return cho_solve((chol, True), b, check_finite=False)
