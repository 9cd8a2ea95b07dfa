"""The chapter, computed: one run of the course's cases and four small studies, then one
``Section`` per idea, in the chapter's order (the derivative table, the limit, the chain
rule, gradients and Jacobians, backward() on a non-scalar, detach(), control flow, kinks,
math.exp, expression swell, why reverse mode wins, the second derivative).

The cases are the built-in suite's, looked up by name; ``overrides`` puts another case
in a name's place, and the text follows (every number in it comes from here).
"""

from __future__ import annotations

from collections.abc import Mapping

from diffcompare.form import registry
from diffcompare.form.registry import Case
from diffcompare.lesson import autograd, rules, studies
from diffcompare.lesson.section import Section
from diffcompare.lesson.syllabus import CASES, METHODS, TIMEOUT_S
from diffcompare.methods import by_name
from diffcompare.runner.executor import InProcess
from diffcompare.runner.loop import run
from diffcompare.runner.plan import Plan
from diffcompare.runner.result import Result
from diffcompare.runner.timing import Budget


def cases(overrides: Mapping[str, Case]) -> dict[str, Case]:
    """Each case the lesson shows, by name: the built-in one, or its override."""
    registry.builtin()
    names = {n for group in CASES.values() for n in group}
    return {n: overrides.get(n) or registry.get(n) for n in names}


def _run(cases: list[Case], operators=None, dtypes=("float64", "float32")) -> list[Result]:
    plan = Plan(
        tuple(cases),
        tuple(by_name(m) for m in METHODS),
        dtypes=tuple(dtypes),
        operators=operators,
        budget=Budget.quick(),
    )
    return list(run(plan, progress=False, worker=InProcess(plan, TIMEOUT_S)).rows)


def compute(overrides: Mapping[str, Case] | None = None) -> list[Section]:
    """Every section of the lesson, from one run of its cases and four small studies."""
    shown = cases(overrides or {})
    named = [shown[n] for key, group in CASES.items() if key != "backward" for n in group]
    rows = _run(named)
    rows += _run([shown[n] for n in CASES["backward"]], ("jacobian", "vjp"), ("float64",))
    (limit_case,) = (shown[n] for n in CASES["limit"])
    return [
        rules.derivatives(rows, shown),
        studies.limit(limit_case, rows),
        rules.chain(rows, shown),
        rules.gradients(rows, shown),
        rules.backward(rows, shown),
        autograd.detach(rows, shown),
        autograd.control(rows, shown),
        autograd.kinks(rows, shown),
        autograd.pitfall(rows, shown),
        studies.swell(),
        studies.cost(),
        studies.second(),
    ]
