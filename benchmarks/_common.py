"""What the benchmarks share: where the data is, and the main example's code."""

import importlib.util
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# The public NLU datasets beside the checkout; never copied into the repository.
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"


def import_example():
    """``examples/compress_intent_classifier.py`` as a module (its dataset and loaders)."""
    path = REPO_ROOT / "examples" / "compress_intent_classifier.py"
    spec = importlib.util.spec_from_file_location("compress_intent_classifier", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def python_output(*args):
    """The standard output of ``python *args`` in a fresh interpreter.

    Fresh processes are how the benchmarks time loads and measure memory
    without what the parent process has already loaded or cached.
    """
    command = [sys.executable, *map(str, args)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False,
                               cwd=REPO_ROOT)
    if completed.returncode:
        raise RuntimeError(f"{' '.join(command[1:3])} ... failed:\n{completed.stderr}")
    return completed.stdout
