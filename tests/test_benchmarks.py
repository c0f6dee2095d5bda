"""Every benchmark runs as ``python -m benchmarks.NAME`` from the repository root."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = sorted(path.stem for path in (ROOT / "benchmarks").glob("bench_*.py"))
# Optional packages of the ``bench`` extra; CI installs only ``test``.
BENCH_EXTRAS = ("bbhash", "marisa_trie", "matplotlib")


def _run_module(*args, env=None):
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=False, env=env)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_module_starts(name):
    result = _run_module(f"benchmarks.{name}", "--help")
    missing = [extra for extra in BENCH_EXTRAS
               if f"No module named '{extra}'" in result.stderr]
    if missing:
        pytest.skip(f"benchmarks.{name} needs {missing[0]} (pip install '.[bench]')")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: "), result.stdout


def test_bench_datasets_quick_prints_the_table(tmp_path):
    # No dataset folder: the synthetic set alone, and a note on each skipped dataset.
    result = _run_module("benchmarks.bench_datasets", "--quick",
                         env={**os.environ, "SKLEARN_COMPRESS_DATA": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert f"[skipping snips: {tmp_path / 'snips'} not found]" in result.stdout
    row = next(line for line in result.stdout.splitlines()
               if line.startswith("synthetic (5,000 samples)"))
    cells = row.split()
    ratio = next(cell for cell in cells if cell.endswith("x"))
    assert float(ratio[:-1]) > 5
    assert float(cells[-1].rstrip("%")) > 95  # agreement with the original
