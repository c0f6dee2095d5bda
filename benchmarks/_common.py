"""What the benchmarks share: paths, the intent pipeline, timers, tables, fresh processes.

Every benchmark runs from the repository root as a module, e.g.
``python -m benchmarks.bench_compress --quick``; a fresh process is started
the same way (``python -m benchmarks.<module>``) so that it imports this
checkout's ``sklearn_compress``.
"""

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import joblib
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_compress import save
from sklearn_compress.datasets import (
    load_intent_dataset,
    make_intent_dataset,
    word_ngram_features,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
# The public NLU datasets (clinc150/, snips/) are never copied into the
# repository: SKLEARN_COMPRESS_DATA names their folder, as for the tests.
DATA_ROOT = Path(os.environ.get("SKLEARN_COMPRESS_DATA", REPO_ROOT.parent / "shared" / "data"))
IMG_DIR = REPO_ROOT / "docs" / "img"
# lbfgs reaches its best test accuracy on these datasets well before its
# tolerance; more iterations only cost time on a small machine.
DEFAULT_MAX_ITER = 30


# -- data and the main pipeline ------------------------------------------------------------


@dataclass
class IntentData:
    name: str
    train_texts: list
    train_intents: list
    test_texts: list
    test_intents: list

    @property
    def n_classes(self):
        return len(set(self.train_intents))


def directory_data(directory):
    """The train and test splits of a JSON Lines intent dataset."""
    directory = Path(directory)
    return IntentData(directory.name, *load_intent_dataset(directory, "train"),
                      *load_intent_dataset(directory, "test"))


def synthetic_data(n_samples):
    """:func:`~sklearn_compress.datasets.make_intent_dataset` at ``n_samples``."""
    return IntentData(f"synthetic ({n_samples:,} samples)", *make_intent_dataset(n_samples))


def real_datasets(data_root, names=("clinc150", "snips")):
    """IntentData of each named dataset found under ``data_root``; says which are missing."""
    for name in names:
        directory = Path(data_root) / name
        if directory.is_dir():
            yield directory_data(directory)
        else:
            print(f"[skipping {name}: {directory} not found]\n", flush=True)


def featurize(texts):
    return [word_ngram_features(text) for text in texts]


def fit_quietly(pipeline, X, y):
    """``pipeline.fit(X, y)`` with max_iter capped on purpose (see DEFAULT_MAX_ITER)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return pipeline.fit(X, y)


def fit_intent_pipeline(data, max_iter=DEFAULT_MAX_ITER):
    """The main example's pipeline: DictVectorizer over word 1-2-grams + LogisticRegression."""
    pipeline = make_pipeline(DictVectorizer(), LogisticRegression(max_iter=max_iter))
    return fit_quietly(pipeline, featurize(data.train_texts), data.train_intents)


# -- timers ---------------------------------------------------------------------------------


def timed(call):
    """``(seconds, result)`` of ``call()``."""
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def median_seconds(call, repeats):
    """Median wall time of ``call()`` over ``repeats`` calls."""
    return statistics.median(timed(call)[0] for _ in range(repeats))


def fresh_copies(strings):
    """New ``str`` objects equal to ``strings``.

    CPython caches a string's hash and UTF-8 form on first use; timing with
    the same objects again would flatter whatever runs second.
    """
    return [(s + " ")[:-1] for s in strings]


# -- tables ---------------------------------------------------------------------------------


def text_table(rows):
    """Lines of a plain-text table: the header row, a rule, then the other rows."""
    widths = [max(map(len, column)) for column in zip(*rows, strict=True)]
    rule = tuple("-" * width for width in widths)
    return ["  ".join(f"{cell:<{width}}" for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in (rows[0], rule, *rows[1:])]


def markdown_table(header, rows):
    """A Markdown table (one string) of ``header`` and ``rows`` of cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def joblib_bytes(model):
    """Bytes of ``joblib.dump(model)``."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    return buffer.getbuffer().nbytes


def saved_bytes(model):
    """Bytes of the file :func:`~sklearn_compress.save` writes for ``model``."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "model.skc"
        save(model, path)
        return path.stat().st_size


def human_bytes(n_bytes):
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes} B"


# -- fresh processes ------------------------------------------------------------------------


def python_output(*args):
    """The standard output of ``python *args`` in a fresh interpreter at the repository root.

    Fresh processes are how the benchmarks time loads and measure memory
    without what the parent process has already loaded or cached.
    """
    command = [sys.executable, *map(str, args)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False,
                               cwd=REPO_ROOT)
    if completed.returncode:
        raise RuntimeError(f"{' '.join(command[1:3])} ... failed:\n{completed.stderr}")
    return completed.stdout


def module_output(module, *args):
    """The standard output of ``python -m module *args`` in a fresh interpreter."""
    return python_output("-m", module, *args)


BASE_MODULES = ("numpy", "scipy.sparse", "sklearn.pipeline", "sklearn.feature_extraction",
                "sklearn.linear_model", "sklearn.preprocessing", "sklearn_compress")


def modules_of(model):
    """Modules defining the model's steps, to import before timing a load."""
    steps = [step for _, step in getattr(model, "steps", [("model", model)])]
    return sorted({*BASE_MODULES, *(type(step).__module__ for step in steps)})


@dataclass
class FreshLoad:
    """What :func:`load_in_fresh_processes` measured (medians over the processes)."""

    seconds: float  # load time (plus the first prediction with predict_in_timer)
    traced_bytes: int | None  # bytes tracemalloc sees allocated by a second load
    rss_bytes: int | None  # growth of the resident set over the timed load
    predictions: list | None  # the loaded model's predictions on ``inputs``


def load_in_fresh_processes(path, *, repeats=1, kind="joblib", modules=("sklearn_compress",),
                            inputs=None, warm_up=False, predict_in_timer=False, traced=False):
    """Load a model file in ``repeats`` fresh processes (see ``benchmarks._load_probe``).

    The first process also predicts ``inputs`` (a JSON-serializable list) and,
    with ``traced``, measures a second load under tracemalloc; later
    processes only time the load. With several processes predicting, all
    must agree.
    """
    options = {"kind": kind, "modules": list(modules), "warm_up": warm_up,
               "predict_in_timer": predict_in_timer}
    with tempfile.TemporaryDirectory() as scratch:
        inputs_path = Path(scratch) / "inputs.json"
        if inputs is not None:
            inputs_path.write_text(json.dumps(list(inputs)), encoding="utf-8")
        runs = []
        for index in range(repeats):
            predict = inputs is not None and (index == 0 or predict_in_timer)
            run = {**options, "inputs": str(inputs_path) if predict else "",
                   "traced": traced and index == 0}
            runs.append(json.loads(module_output("benchmarks._load_probe", path,
                                                 json.dumps(run))))
    predictions = [run["predictions"] for run in runs if run["predictions"] is not None]
    if any(p != predictions[0] for p in predictions):
        raise AssertionError(f"{path}: fresh processes predict differently")
    rss = [run["rss"] for run in runs]
    return FreshLoad(statistics.median(run["seconds"] for run in runs), runs[0]["traced"],
                     int(statistics.median(rss)), predictions[0] if predictions else None)
