"""The examples run end to end and print what the README promises."""

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run_example(name, *args):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
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


def _check_intent_report(output):
    """The compress_intent_classifier report: a fresh-process check, then the table."""
    assert "fresh-process check: the reloaded compressed model predicts the same" in output
    for line_start in ("joblib file bytes", "in-memory bytes after load", "load time (median of",
                       "accuracy on ", "prediction agreement"):
        assert re.search(f"^{re.escape(line_start)}", output, re.MULTILINE), output
    file_ratio = float(re.search(r"^joblib file bytes .* ([\d.]+)x smaller", output,
                                 re.MULTILINE).group(1))
    assert file_ratio > 5
    agreement = float(re.search(r"^prediction agreement +([\d.]+)%", output,
                                re.MULTILINE).group(1))
    assert agreement > 95
    return output


def test_compress_intent_classifier_synthetic():
    output = _check_intent_report(_run_example(
        "compress_intent_classifier.py", "--n-samples", "3000", "--max-iter", "30",
        "--repeats", "1", "--bits", "6", "--fingerprint-bits", "12"))
    assert "dataset: synthetic (3,000 samples): 2,400 train / 600 test texts, 24 intents" in output
    assert "compressed with bits=6, fingerprint_bits=12" in output


def test_compress_intent_classifier_clinc150(clinc150_dir):
    output = _check_intent_report(_run_example(
        "compress_intent_classifier.py", "--data", str(clinc150_dir), "--repeats", "1"))
    assert "dataset: clinc150: 15,100 train / 5,500 test texts, 151 intents" in output
