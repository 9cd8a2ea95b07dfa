"""What to change, for the errors a user's own code most often meets under a method: one
line added to the row's message (the error itself stays first)."""

from __future__ import annotations

import re

HINTS = (
    (
        re.compile(r"Can't call numpy\(\) on Tensor that requires grad"),
        "the function calls NumPy on a traced value (np.where, np.eye, np.exp, ...): write "
        "xp.where, xp.eye, xp.exp, with the xp diffcompare passes",
    ),
    (
        re.compile(r"'numpy\.ndarray' and 'Tensor'|'Tensor' and 'numpy\.ndarray'"),
        "the function mixes a NumPy array from its enclosing scope with torch's tensors "
        "(A @ w): pass A as an input (held constant), or write xp.asarray(A)",
    ),
    (
        re.compile(r"same dtype|expected scalar type|Double and Float|Float and Double"),
        "the function's weights and its inputs differ in dtype (a float32 nn.Module given "
        "float64 inputs): check it with dtype='float32', or call model.double()",
    ),
)


def hint(message: str) -> str:
    """'' or the one line that says what to change."""
    for pattern, text in HINTS:
        if pattern.search(message):
            return text
    return ""
