"""What the benchmarks share: where the data is, and the main example's code."""

import importlib.util
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
