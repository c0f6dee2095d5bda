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
    """The compress_intent_classifier report: timed steps, a fresh-process check, the table."""
    assert "fresh-process check: the reloaded compressed model predicts the same" in output
    # Each step prints its own duration, and they add up to no more than the total.
    steps = [float(seconds) for seconds in re.findall(
        r"^(?:dataset|fitted|compressed|fresh-process).* \(([\d.]+) s\b", output, re.MULTILINE)]
    assert len(steps) == 4, output
    total = float(re.search(r"^total run time: ([\d.]+) s$", output, re.MULTILINE).group(1))
    assert sum(steps) <= total + 2.5  # each step rounded to at most 0.5 s
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


def test_quickstart_code_runs(tmp_path, monkeypatch):
    """The Python blocks of docs/quickstart.md run in order, on a smaller dataset."""
    page = (EXAMPLES.parent / "docs" / "quickstart.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", page, re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 5
    code = "\n".join(blocks)
    assert "make_intent_dataset(20_000)" in code
    code = code.replace("make_intent_dataset(20_000)", "make_intent_dataset(2_000)")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_data").mkdir()
    (tmp_path / "my_data" / "train.jsonl").write_text(
        '{"text": "wake me up at 7 tomorrow", "intent": "set_alarm"}\n', encoding="utf-8")
    namespace = {}
    exec(compile(code, "docs/quickstart.md", "exec"), namespace)
    assert namespace["report"].agreement > 0.95
    assert namespace["classify"]("play some jazz") == "play_music"
    assert (tmp_path / "intents.skc").is_file()
