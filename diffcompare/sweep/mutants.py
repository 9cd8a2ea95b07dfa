"""Known-wrong first derivatives, made from a right one, seeded: what the checker study
(``diffcompare.checker_study``) hands each gradient checker."""

from __future__ import annotations

import numpy as np

MUTANTS = (
    "control",
    "sign flip",
    "factor 2 dropped",
    "scale 1e-3",
    "scale 1e-6",
    "zeroed row",
    "transposed",
    "swapped entries",
)


def mutate(J: np.ndarray, kind: str, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """(J', what was changed), or (None, why it does not apply to this J)."""
    J = J.copy()
    nonzero = np.flatnonzero(np.abs(J) > 0)
    if kind == "control":
        return J, "J itself"
    if kind in ("scale 1e-3", "scale 1e-6"):
        return J * (1 + float(kind.split()[1])), "every entry"
    if not nonzero.size:
        return None, "J is zero"
    flat = J.reshape(-1)
    if kind in ("sign flip", "factor 2 dropped"):
        i = int(rng.choice(nonzero))
        flat[i] = -flat[i] if kind == "sign flip" else flat[i] / 2
        return J, f"entry {np.unravel_index(i, J.shape)}"
    if kind == "zeroed row":
        rows = sorted({int(i) // J.shape[1] for i in nonzero})
        r = int(rng.choice(rows))
        J[r] = 0
        return J, f"row {r}"
    if kind == "transposed":
        if J.shape[0] != J.shape[1] or np.array_equal(J, J.T):
            return None, "J is not square, or is symmetric"
        return J.T.copy(), "J transposed"
    if kind == "swapped entries":
        pairs = [(a, b) for a in range(flat.size) for b in range(a + 1, flat.size)]
        pairs = [(a, b) for a, b in pairs if flat[a] != flat[b]][:10_000]
        if not pairs:
            return None, "no two entries differ"
        a, b = pairs[int(rng.integers(len(pairs)))]
        flat[a], flat[b] = flat[b], flat[a]
        return J, f"entries {a} and {b}"
    raise ValueError(f"unknown mutant {kind!r}")
