"""pytest plugin: the ``diffcompare_check`` fixture and the ``diffcompare`` marker.

Import-light: importing it does not import torch or SymPy (they load when a check runs).

    def test_my_gradient(diffcompare_check):
        diffcompare_check(f, inputs={"x": np.array([1.0, 2.0])}, reference=my_grad)

    @pytest.mark.diffcompare(methods="sympy,torch", dtype="float32")
    def test_in_float32(diffcompare_check): ...

Options (``--diffcompare-method``, ``--diffcompare-dtype``, ...) are the CLI's, shared.
"""

from __future__ import annotations

import functools

import pytest

from diffcompare.runner.options import SHARED, add_to_pytest


def pytest_addoption(parser):
    group = parser.getgroup("diffcompare")
    add_to_pytest(group)
    for name, what in (
        ("cases", "load cases from a .py file or module (repeatable)"),
        ("case", "case name or glob (repeatable)"),
        ("tag", "cases with this tag (repeatable)"),
    ):
        group.addoption(
            f"--diffcompare-{name}",
            action="append",
            default=None,
            help=f"pytest --pyargs diffcompare.bench: {what}",
        )


MARKER_KEYS = ("methods", "dtype", "operator", "seed", "step")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "diffcompare(methods=None, dtype=None, operator=None, seed=None, step=None): "
        "options for the diffcompare_check fixture",
    )
    from diffcompare.errors import UsageError
    from diffcompare.runner.options import resolve

    for o in SHARED:  # an unknown name stops the session at start-up, in one line
        value = config.getoption(f"--diffcompare-{o.name}")
        if value is not None and o.choices is not None:
            try:
                resolve(o.name, value)
            except UsageError as exc:
                raise pytest.UsageError(f"--diffcompare-{o.name}: {exc}") from None


def pytest_collection_modifyitems(items):
    """A misspelt marker argument (method= for methods=) is an error at collection."""
    for item in items:
        marker = item.get_closest_marker("diffcompare")
        if marker is None:
            continue
        unknown = sorted(set(marker.kwargs) - set(MARKER_KEYS))
        if unknown or marker.args:
            what = ", ".join(unknown) if unknown else "positional arguments"
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.diffcompare takes {', '.join(MARKER_KEYS)} "
                f"as keywords; got {what}"
            )


@pytest.fixture
def diffcompare_check(request):
    """diffcompare.check with the options of the command line and the test's marker."""
    from diffcompare.checker import check

    kwargs = {}
    for o in SHARED:
        value = request.config.getoption(f"--diffcompare-{o.name}")
        if value is not None:
            kwargs["methods" if o.name == "method" else o.name] = value
    marker = request.node.get_closest_marker("diffcompare")
    if marker is not None:
        kwargs.update(marker.kwargs)
    return functools.partial(check, **kwargs)
