"""The built-in suite, one module per theme of the course chapter it grew from
(Dive into Deep Learning, "Preliminaries": calculus and automatic differentiation).
Themes left out of the default run (``gradbench``) are loaded by their tag: see
``diffcompare.form.registry.THEMES``."""

from diffcompare_cases import (  # noqa: F401  (importing registers the cases)
    autograd_examples,
    chain_rule,
    derivative_table,
    gradient_table,
    hard,
    jacobian_table,
    machine_learning,
    optimisation,
    sized,
    subgradients,
)
