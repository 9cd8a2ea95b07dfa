"""Two runs of the same code give the same values, digits, verdicts and statuses: nothing a
row reports depends on the machine's load (the finite differences' way is a rule, not a
timing; the reference is certified, not raced against a time budget)."""

from diffcompare.form import registry
from diffcompare.methods import DEFAULT, by_name
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import run_case
from diffcompare.runner.timing import Budget

CASES = ("grad_product_rule", "rosenbrock_n100", "while_doubling", "sinc_near_zero")
TIMED = Budget(batch_s=0.001, repeats=3, max_total_s=0.05)  # timed, briefly


def _run() -> dict:
    cases = tuple(registry.get(n) for n in CASES)
    plan = Plan(cases=cases, methods=tuple(by_name(m) for m in DEFAULT), budget=TIMED)
    return {
        r.key: (r.status, r.value, r.digits, r.verdict, r.reference, r.message)
        for c in cases
        for r in run_case(c, plan)
    }


def test_two_runs_give_identical_rows():
    first, second = _run(), _run()
    assert first.keys() == second.keys()
    differ = [k for k in first if first[k] != second[k]]
    assert not differ, [(k, first[k], second[k]) for k in differ[:3]]
