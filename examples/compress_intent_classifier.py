"""Compress an intent classifier and check that the small copy is a drop-in.

The example fits ``DictVectorizer`` (word unigrams and bigrams) +
``LogisticRegression`` on an intent dataset, compresses the pipeline with
:func:`sklearn_compress.compress`, saves both with ``joblib.dump``, loads the
compressed file in a fresh Python process, checks that its predictions equal
the in-process ones, and prints sizes, accuracy, agreement and load times.

By default it generates a deterministic synthetic assistant dataset (24
intents, slot values drawn from thousands of generated artists, cities,
contacts, dishes, ...), whose vocabulary has a few hundred thousand features.
The dataset comes from :func:`sklearn_compress.datasets.make_intent_dataset`.
``--data DIR`` uses a dataset stored as ``DIR/train.jsonl[.gz]`` and
``DIR/test.jsonl[.gz]``, one JSON object per line with the fields ``text``
and ``intent`` (the layout of CLINC150 and SNIPS; see the README)::

    python examples/compress_intent_classifier.py
    python examples/compress_intent_classifier.py --data path/to/clinc150
    python examples/compress_intent_classifier.py --n-samples 3000 --bits 6

Load times and load memory are measured in fresh processes that import every
module before the timer starts, so they show what loading the file costs, not
importing scikit-learn. A loaded joblib file runs pickle: load only files you
trust.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_compress import compress
from sklearn_compress.datasets import load_intent_dataset, make_intent_dataset, word_ngram_features

DEFAULT_N_SAMPLES = 100_000
# lbfgs reaches its best test accuracy on these datasets well before its
# tolerance; more iterations only cost time on a small machine.
DEFAULT_MAX_ITER = 30
LOAD_REPEATS = 3


# -- data and model -----------------------------------------------------------------------


def load_data(args):
    """(name, train_texts, train_intents, test_texts, test_intents) of the chosen dataset."""
    if args.data is None:
        return (f"synthetic ({args.n_samples:,} samples)",
                *make_intent_dataset(args.n_samples))
    return (args.data.name, *load_intent_dataset(args.data, "train"),
            *load_intent_dataset(args.data, "test"))


def featurize(texts):
    return [word_ngram_features(text) for text in texts]


def fit_on_texts(pipeline, texts, intents):
    """Fit a pipeline that takes feature dicts on texts, with max_iter capped on purpose."""
    with warnings.catch_warnings():
        # See DEFAULT_MAX_ITER: stopping early is a choice, not a problem to report.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return pipeline.fit(featurize(texts), intents)


def fit_intent_pipeline(texts, intents, max_iter=DEFAULT_MAX_ITER):
    """DictVectorizer over word unigrams and bigrams + LogisticRegression."""
    pipeline = make_pipeline(DictVectorizer(), LogisticRegression(max_iter=max_iter))
    return fit_on_texts(pipeline, texts, intents)


# -- loading in a fresh process -------------------------------------------------------------

# Run by ``python -c`` with the arguments: model file, modules to import, and
# optionally a JSON file of texts to predict. It prints one JSON object.
_LOAD_PROBE = """
import importlib, json, sys, time, tracemalloc
path, modules, texts_path = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
for module in modules:
    importlib.import_module(module)
import joblib

start = time.perf_counter()
model = joblib.load(path)
result = {"seconds": time.perf_counter() - start}
if texts_path:
    del model
    tracemalloc.start()
    model = joblib.load(path)
    result["loaded_bytes"] = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    from sklearn_compress.datasets import word_ngram_features
    with open(texts_path, encoding="utf-8") as f:
        texts = json.load(f)
    result["predictions"] = model.predict([word_ngram_features(t) for t in texts]).tolist()
print(json.dumps(result))
"""

BASE_MODULES = ("numpy", "scipy.sparse", "sklearn.pipeline", "sklearn.feature_extraction",
                "sklearn.linear_model", "sklearn.preprocessing", "sklearn_compress")


def modules_of(model):
    """Modules defining the model's steps, to import before timing a load."""
    steps = [step for _, step in getattr(model, "steps", [("model", model)])]
    return sorted({*BASE_MODULES, *(type(step).__module__ for step in steps)})


def _run_probe(path, modules, texts_path=""):
    completed = subprocess.run(
        [sys.executable, "-c", _LOAD_PROBE, str(path), ",".join(modules), str(texts_path)],
        capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"loading {path} in a fresh process failed:\n{completed.stderr}")
    return json.loads(completed.stdout)


@dataclass
class FreshLoad:
    seconds: float  # median joblib.load time over fresh processes
    loaded_bytes: int  # bytes tracemalloc sees allocated by joblib.load
    predictions: np.ndarray  # predictions of the loaded model on the given texts


def load_in_fresh_processes(path, modules, texts, repeats=LOAD_REPEATS):
    """Load a joblib file in ``repeats`` fresh processes; the first one also predicts."""
    with tempfile.TemporaryDirectory() as scratch:
        texts_path = Path(scratch) / "texts.json"
        texts_path.write_text(json.dumps(list(texts)), encoding="utf-8")
        first = _run_probe(path, modules, texts_path)
    seconds = [first["seconds"]] + [_run_probe(path, modules)["seconds"]
                                    for _ in range(repeats - 1)]
    return FreshLoad(statistics.median(seconds), first["loaded_bytes"],
                     np.asarray(first["predictions"]))


# -- the report ----------------------------------------------------------------------------


class StepTimer:
    """Each step's own wall time, and the total since the timer was made."""

    def __init__(self):
        self.started = self.last = time.perf_counter()

    def step(self):
        """Seconds since the previous step (or the start), as text."""
        now = time.perf_counter()
        elapsed, self.last = now - self.last, now
        return _duration(elapsed)

    def total(self):
        return _duration(time.perf_counter() - self.started)


def _duration(seconds):
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.0f} s"


def print_table(rows):
    """Print rows of four cells: a label column, two value columns, a change column."""
    for index, (label, original, compressed, change) in enumerate(rows):
        print(f"{label:<30}{original:>12}{compressed:>12}  {change}".rstrip())
        if index == 0:
            print(f"{'-' * 28:<30}{'-' * 10:>12}{'-' * 10:>12}  {'-' * 13}")


def _ratio(before, after):
    return f"{before / max(after, 1e-12):.1f}x smaller"


def report_rows(n_test, sizes, loads, accuracies, agreement, repeats):
    original, compressed = loads
    rows = [
        ("", "original", "compressed", "change"),
        ("joblib file bytes", f"{sizes[0]:,}", f"{sizes[1]:,}", _ratio(*sizes)),
        ("in-memory bytes after load", f"{original.loaded_bytes:,}",
         f"{compressed.loaded_bytes:,}", _ratio(original.loaded_bytes, compressed.loaded_bytes)),
        (f"load time (median of {repeats})", f"{1000 * original.seconds:.1f} ms",
         f"{1000 * compressed.seconds:.1f} ms",
         f"{original.seconds / compressed.seconds:.1f}x faster"),
        (f"accuracy on {n_test:,} test texts", f"{100 * accuracies[0]:.2f}%",
         f"{100 * accuracies[1]:.2f}%", f"{100 * (accuracies[1] - accuracies[0]):+.2f} points"),
        ("prediction agreement", "", f"{100 * agreement:.2f}%", ""),
    ]
    return rows


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path,
                        help="dataset folder with train.jsonl[.gz] and test.jsonl[.gz], one "
                             "JSON object per line with 'text' and 'intent' "
                             "(default: the built-in synthetic dataset)")
    parser.add_argument("--n-samples", type=int, default=DEFAULT_N_SAMPLES,
                        help=f"synthetic dataset size (default {DEFAULT_N_SAMPLES:,})")
    parser.add_argument("--bits", type=int, default=8, help="bits per weight, 2..16 (default 8)")
    parser.add_argument("--fingerprint-bits", default="auto",
                        type=lambda text: text if text == "auto" else int(text),
                        help="fingerprint bits per feature, 0..32 or auto (default auto, as "
                             "compress())")
    parser.add_argument("--max-iter", type=int, default=DEFAULT_MAX_ITER,
                        help=f"LogisticRegression max_iter (default {DEFAULT_MAX_ITER})")
    parser.add_argument("--repeats", type=int, default=LOAD_REPEATS,
                        help=f"fresh-process loads per file (default {LOAD_REPEATS})")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    timer = StepTimer()
    name, train_texts, train_intents, test_texts, test_intents = load_data(args)
    print(f"dataset: {name}: {len(train_texts):,} train / "
          f"{len(test_texts):,} test texts, {len(set(train_intents))} intents "
          f"({timer.step()})")

    original = fit_intent_pipeline(train_texts, train_intents, args.max_iter)
    n_features = len(original[0].feature_names_)
    print(f"fitted DictVectorizer + LogisticRegression(max_iter={args.max_iter}): "
          f"{n_features:,} features ({timer.step()})")
    compressed = compress(original, bits=args.bits, fingerprint_bits=args.fingerprint_bits)
    print(f"compressed with bits={args.bits}, fingerprint_bits={args.fingerprint_bits} "
          f"({timer.step()})")

    test_features = featurize(test_texts)
    predictions = [np.asarray(model.predict(test_features)) for model in (original, compressed)]
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / "original.joblib", Path(folder) / "compressed.joblib"]
        for model, path in zip((original, compressed), paths, strict=True):
            joblib.dump(model, path)
        sizes = [path.stat().st_size for path in paths]
        loads = [load_in_fresh_processes(path, modules_of(model), test_texts, args.repeats)
                 for model, path in zip((original, compressed), paths, strict=True)]

    if not np.array_equal(loads[1].predictions, predictions[1]):
        print("ERROR: the compressed model loaded in a fresh process predicts differently",
              file=sys.stderr)
        return 1
    print("fresh-process check: the reloaded compressed model predicts the same "
          f"({timer.step()} for predicting, saving and {2 * args.repeats} fresh-process loads)")
    truth = np.asarray(test_intents)
    accuracies = [float(np.mean(p == truth)) for p in predictions]
    agreement = float(np.mean(predictions[0] == predictions[1]))
    print()
    print_table(report_rows(len(test_texts), sizes, loads, accuracies, agreement, args.repeats))
    print(f"\ntotal run time: {timer.total()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
