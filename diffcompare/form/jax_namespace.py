"""The vocabulary on JAX: ``jax.numpy`` already takes NumPy's names and keywords; the
words it lacks come from ``jax.nn``, ``jax.scipy`` and ``jax.lax``."""

from __future__ import annotations


class JaxNamespace:
    """jax.numpy with the vocabulary's extra words; anything else falls through to it."""

    name = "jax"

    def __init__(self):
        import jax
        import jax.numpy as jnp
        import jax.scipy.special as special

        self._jnp = jnp
        self.sigmoid = jax.nn.sigmoid
        self.erf = special.erf
        self.lgamma = special.gammaln  # log |Γ(x)|, as on the other backends
        self.stop_gradient = jax.lax.stop_gradient
        self.det = jnp.linalg.det
        self.solve = jnp.linalg.solve
        self.inv = jnp.linalg.inv

    def __getattr__(self, name):
        value = getattr(self._jnp, name)
        self.__dict__[name] = value  # found once: a traced call looks it up again and again
        return value

    def softplus(self, x):
        return self._jnp.logaddexp(x, 0.0)  # exact: no threshold, as on torch

    def logsumexp(self, x, axis=None):
        from jax.scipy.special import logsumexp

        return logsumexp(x, axis=axis)

    def dot(self, a, b):
        a, b = self._jnp.asarray(a), self._jnp.asarray(b)
        return self._jnp.dot(a, b) if a.ndim == 1 and b.ndim == 1 else self._jnp.matmul(a, b)

    def stack(self, arrays, axis=0):
        return self._jnp.stack([self._jnp.asarray(a) for a in arrays], axis=axis)

    def concatenate(self, arrays, axis=0):
        return self._jnp.concatenate([self._jnp.asarray(a) for a in arrays], axis=axis)

    def norm(self, x):
        return self._jnp.sqrt(self._jnp.sum(x * x))
