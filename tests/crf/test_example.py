"""examples/compress_slot_tagger.py runs end to end on its synthetic dataset."""

import json
import re
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compress_slot_tagger.py"


def test_compress_slot_tagger_synthetic():
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--n-samples", "400", "--max-iterations", "20",
         "--repeats", "1"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    output = result.stdout
    assert "dataset: synthetic (400 sentences): 320 train / 80 test sentences" in output
    assert "reload check: the saved and reloaded tagger tags the same" in output
    for line_start in ("model file bytes (.crfsuite / .skc)", "pickled bytes", "span F1 on 80",
                       "identically tagged sentences", "token agreement", "latency per sentence"):
        assert re.search(f"^{re.escape(line_start)}", output, re.MULTILINE), output
    ratio = float(re.search(r"^model file bytes .* ([\d.]+)x smaller", output,
                            re.MULTILINE).group(1))
    assert ratio > 3
    summary = json.loads(output.strip().splitlines()[-1])
    assert summary["identical"] >= 0.95
