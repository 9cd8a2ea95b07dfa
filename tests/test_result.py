import math

from diffcompare.runner.result import Result, Results


def test_json_round_trip_keeps_every_field():
    rows = (
        Result(
            case="c",
            operator="gradient",
            method="torch",
            family="automatic",
            device="cpu",
            dtype="float64",
            n=3,
            status="ok",
            max_abs_error=1e-17,
            max_rel_error=2e-17,
            digits=16.7,
            passed=True,
            value=[1.0, 2.0, 3.0],
            tags=("seed",),
        ),
        Result(
            case="c",
            operator="gradient",
            method="fd-central",
            family="numeric",
            device="cpu",
            dtype="float32",
            n=3,
            status="nan",
            value=[math.inf, 1.0],
            message="non-finite",
        ),
    )
    results = Results({"python": "3.11"}, rows, {"c": "a case"})
    back = Results.from_json(results.to_json())
    assert back == results
