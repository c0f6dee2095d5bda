"""The examples run end to end and print what the README promises."""

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run_example(name):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_mph_quickstart():
    output = _run_example("mph_quickstart.py")
    for line_start in ("keys: 300,000 feature strings", "size: ", "dict it replaces: ",
                       "batch lookup: ", "single lookup: ", "non-members rejected: ",
                       "round trip: "):
        assert re.search(f"^{re.escape(line_start)}", output, re.MULTILINE), output
    bits_per_key = float(re.search(r"\(([\d.]+) bits/key with 8-bit", output).group(1))
    assert bits_per_key < 12  # about 2.7 for the cascade plus 8 for the fingerprint
    rejected_percent = float(re.search(r"non-members rejected: .*\(([\d.]+)%", output).group(1))
    assert rejected_percent > 99  # 1 - 2**-8 = 99.6% expected
    times_larger = int(re.search(r", (\d+)x larger", output).group(1))
    assert times_larger > 10
