"""Machine-learning objectives: the losses the course builds next, and ADBench's GMM."""

import math

import numpy as np

from diffcompare import case, xnp
from diffcompare_cases.house import load

ML = ["ml", "gradient"]
RNG = np.random.default_rng(20261127)
HOUSE_X, HOUSE_Y = load()


@case(
    inputs={"w": np.array([1.0e4, 5.0e3, -2.0e3]), "b": 5.0e4, "X": HOUSE_X, "y": HOUSE_Y},
    wrt=["w", "b"],
    tags=[*ML, "data"],
)
def linear_regression_house(w, b, X, y, xp=xnp):
    """Squared loss of a linear model on the course's house-price CSV (gaps filled by the
    mean, Alley one-hot with a column for missing)."""
    r = X @ w + b - y
    return xp.sum(r * r) / (2 * len(y))


def _classification(n, d):
    X = RNG.standard_normal((n, d))
    y = (X @ RNG.standard_normal(d) > 0).astype(float)
    return X, y


@case(
    inputs=lambda n: {
        "w": 0.1 * RNG.standard_normal(4),
        "X": _classification(n, 4)[0],
        "y": _classification(n, 4)[1],
    },
    sizes=[8, 64],
    wrt=["w"],
    tags=ML,
)
def logistic_regression(w, X, y, xp=xnp):
    """Mean cross-entropy of a logistic model, log(1 + e^z) − y z; n is the batch size."""
    z = X @ w
    return xp.mean(xp.log(1.0 + xp.exp(z)) - y * z)


def _softmax_ce(W, X, labels, xp):
    logits = X @ W  # (n, k)
    m = xp.stop_gradient(xp.max(logits))  # shift for stability; the gradient does not depend on it
    z = logits - m
    lse = xp.log(xp.sum(xp.exp(z), axis=1))
    picked = xp.sum(z * labels, axis=1)
    return xp.mean(lse - picked)


@case(
    inputs={
        "W": 0.3 * RNG.standard_normal((3, 4)),
        "X": RNG.standard_normal((6, 3)),
        "labels": np.eye(4)[RNG.integers(0, 4, 6)],
    },
    wrt=["W"],
    tags=[*ML, "softmax"],
)
def softmax_cross_entropy(W, X, labels, xp=xnp):
    """Softmax regression: mean cross-entropy of softmax(X W) against one-hot labels,
    with the max subtracted under stop_gradient (the usual stable form)."""
    return _softmax_ce(W, X, labels, xp)


@case(
    inputs=lambda n: {
        "W1": 0.5 * RNG.standard_normal((3, n)),
        "b1": 0.1 * RNG.standard_normal(n),
        "W2": 0.5 * RNG.standard_normal(n),
        "X": RNG.standard_normal((5, 3)),
        "y": RNG.standard_normal(5),
    },
    sizes=[4, 16],
    wrt=["W1", "b1", "W2"],
    tags=[*ML, "mlp"],
)
def mlp_loss(W1, b1, W2, X, y, xp=xnp):
    """Two-layer perceptron, tanh hidden layer of width n, squared loss."""
    hidden = xp.tanh(X @ W1 + b1)
    r = hidden @ W2 - y
    return xp.mean(r * r)


@case(
    inputs={
        "Q": RNG.standard_normal((3, 2)),
        "K": RNG.standard_normal((3, 2)),
        "V": RNG.standard_normal((3, 2)),
    },
    tags=["ml", "jacobian", "attention"],
)
def attention(Q, K, V, xp=xnp):
    """Scaled dot-product attention, softmax(Q Kᵀ / √d) V, for 3 tokens of width 2."""
    scores = Q @ K.T / math.sqrt(2.0)  # a Python float: NumPy's would make float32 float64
    weights = xp.exp(scores)
    weights = weights / xp.sum(weights, axis=1)[:, None]
    return weights @ V


def _sigmoid(z, xp):
    return 1.0 / (1.0 + xp.exp(-z))


@case(
    inputs={
        "W": 0.4 * RNG.standard_normal((4 * 3, 2 + 3)),
        "b": 0.1 * RNG.standard_normal(12),
        "x": RNG.standard_normal(2),
        "h": RNG.standard_normal(3),
        "c": RNG.standard_normal(3),
    },
    wrt=["W", "b"],
    tags=["ml", "jacobian", "lstm"],
)
def lstm_cell(W, b, x, h, c, xp=xnp):
    """One LSTM step: gates from [x, h], new cell state and hidden state (the Jacobian of
    the new hidden state w.r.t. the weights)."""
    z = W[:, :2] @ x + W[:, 2:] @ h + b
    i, f, o, g = _sigmoid(z[0:3], xp), _sigmoid(z[3:6], xp), _sigmoid(z[6:9], xp), xp.tanh(z[9:12])
    c_new = f * c + i * g
    return o * xp.tanh(c_new)


@case(
    inputs={
        "alphas": RNG.standard_normal(3),
        "means": RNG.standard_normal((3, 2)),
        "q": 0.2 * RNG.standard_normal((3, 2)),
        "l": 0.2 * RNG.standard_normal(3),
        "X": RNG.standard_normal((5, 2)),
    },
    wrt=["alphas", "means", "q", "l"],
    tags=["ml", "gradient", "gmm"],
)
def gmm_objective(alphas, means, q, l, X, xp=xnp):
    """ADBench's Gaussian-mixture log-likelihood (K = 3, d = 2, n = 5, no Wishart prior):
    Q_k = diag(exp q_k) + lower(l_k), log-sum-exp over components with the max shifted out."""
    mains = []
    for k in range(3):
        z = X - means[k]
        qz0 = xp.exp(q[k, 0]) * z[:, 0]
        qz1 = l[k] * z[:, 0] + xp.exp(q[k, 1]) * z[:, 1]
        mains.append(alphas[k] + xp.sum(q[k]) - 0.5 * (qz0 * qz0 + qz1 * qz1))
    m = xp.stop_gradient(xp.maximum(xp.maximum(mains[0], mains[1]), mains[2]))
    lse = m + xp.log(xp.exp(mains[0] - m) + xp.exp(mains[1] - m) + xp.exp(mains[2] - m))
    a = xp.stop_gradient(xp.max(alphas))
    log_norm = a + xp.log(xp.sum(xp.exp(alphas - a)))
    return xp.sum(lse) - 5 * log_norm - 5 * math.log(2 * math.pi)
