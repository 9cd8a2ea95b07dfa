"""benchmarks/gpu.py runs (in its reduced, CPU-only form: CI has no GPU)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_gpu_study_runs_reduced_on_the_cpu(tmp_path):
    cmd = [sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--reduced", "--rounds", "1"]
    subprocess.run([*cmd, "--out", str(tmp_path)], check=True, capture_output=True, timeout=300)
    (report,) = tmp_path.glob("gpu-*-reduced.md")
    text = report.read_text()
    assert "Device: none (CPU only)" in text
    rows = [line for line in text.splitlines() if line.startswith("| rosenbrock ")]
    rows += [line for line in text.splitlines() if line.startswith("| sum_of_squares ")]
    assert len([r for r in rows if "| cpu " in r]) == 2 * 2 * 2  # cases x dtypes x sizes
    header = next(line for line in text.splitlines() if line.startswith("| case "))
    column = [h.strip() for h in header.split("|")].index("ratio")
    for r in (r for r in rows if "| cpu " in r):
        ratio = float(r.split("|")[column])
        assert 0.2 < ratio < 5  # two harnesses timing the same callable roughly agree
    assert "no CUDA rows in this run" in text
