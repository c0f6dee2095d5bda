"""Benchmark the fidelity of compress(): defaults against the previous defaults, budget mode.

Side by side in one run, for each pipeline: the original, ``compress()`` at
its defaults (8 bits, per-class steps with global sparsity, "auto"
fingerprint bits: 16 with a row norm, else 14) and at the previous defaults
(8 bits, one scale, 8 fingerprint bits).
Columns: agreement with the original's test predictions, test rows whose
largest ``predict_proba`` change exceeds 0.05, the largest change, the bytes
of the file ``save()`` writes, that size relative to the previous defaults,
and how many times smaller it is than the original's pickle. Then:

- hand-made numeric features (a raw count in 100..2,000 beside one-hot
  words, DictVectorizer + LogisticRegression): raw with and without a
  calibration sample, and behind MaxAbsScaler / StandardScaler(with_mean=False);
- the accuracy budget on CLINC150 (``X`` = validation split,
  ``min_agreement=0.999``), measured on the test split;
- the false fingerprint matches per test row (a row whose features differ
  from those at 32 fingerprint bits) at 8, 12, 14 and 16 bits.

Usage::

    python -m benchmarks.bench_fidelity [--data-root DIR]
"""

import argparse
import pickle
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

from sklearn_compress import compress
from sklearn_compress.datasets import load_intent_dataset, word_ngram_features
from tests._synthetic import numeric_dicts  # the same data as the regression tests

from ._common import DATA_ROOT, saved_bytes, text_table

PREVIOUS_DEFAULTS = {"bits": 8, "per_class": False, "sparsity": "rounding",
                     "fingerprint_bits": 8}
PROBA_CHANGE = 0.05


def _dict_features(texts):
    return [word_ngram_features(text) for text in texts]


def _fitted(pipe, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings
        return pipe.fit(X, y)


def _pipelines(data_root):
    """(name, fitted pipeline, test inputs, test labels, validation inputs or None)."""
    for dataset, kind in (("clinc150", "dict"), ("snips", "dict"), ("clinc150", "tfidf")):
        directory = data_root / dataset
        texts, intents = load_intent_dataset(directory, "train")
        test_texts, test_intents = load_intent_dataset(directory, "test")
        valid = load_intent_dataset(directory, "valid")[0] if dataset == "clinc150" else None
        if kind == "dict":
            pipe = make_pipeline(DictVectorizer(), LogisticRegression(max_iter=1000))
            features = _dict_features
        else:
            pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                                 LogisticRegression(max_iter=1000))
            features = list
        _fitted(pipe, features(texts), intents)
        yield (f"{dataset} {kind}", pipe, features(test_texts), test_intents,
               None if valid is None else features(valid))


def _fidelity_row(label, pipe, compressed, X, previous_bytes):
    proba = pipe.predict_proba(X)
    change = np.abs(compressed.predict_proba(X) - proba).max(axis=1)
    size = saved_bytes(compressed)
    return (label, _agreement(pipe, compressed, X),
            f"{int(np.sum(change > PROBA_CHANGE))} ({100 * np.mean(change > PROBA_CHANGE):.2f}%)",
            f"{change.max():.3f}", f"{size:,}",
            "" if previous_bytes is None else f"{size / previous_bytes:.3f}",
            f"{len(pickle.dumps(pipe)) / size:.1f}x")


def _agreement(pipe, compressed, X):
    return f"{100 * np.mean(compressed.predict(X) == pipe.predict(X)):.2f}%"


def _false_match_rows(reference, compressed, X):
    """Rows whose features differ from those of the 32-bit ``reference`` (same slots)."""
    difference = (reference[0].transform(X) != compressed[0].transform(X))
    return int(np.sum(difference.getnnz(axis=1) > 0))


def defaults_table(fitted):
    rows = [("pipeline / settings", "agreement", f"rows dP>{PROBA_CHANGE}", "max dP",
             "file bytes", "vs previous", "vs pickle")]
    for name, pipe, X_test, _, _ in fitted:
        previous = compress(pipe, **PREVIOUS_DEFAULTS)
        previous_bytes = saved_bytes(previous)
        rows.append(_fidelity_row(f"{name}: previous defaults", pipe, previous, X_test, None))
        rows.append(_fidelity_row(f"{name}: defaults", pipe, compress(pipe), X_test,
                                  previous_bytes))
    return rows


def fingerprint_table(fitted):
    rows = [("pipeline", "test rows", "false-match rows, 8 bits", "12 bits", "14 bits",
             "16 bits")]
    for name, pipe, X_test, _, _ in fitted:
        reference = compress(pipe, fingerprint_bits=32)  # practically no false match
        counts = [_false_match_rows(reference, compress(pipe, fingerprint_bits=bits), X_test)
                  for bits in (8, 12, 14, 16)]
        rows.append((name, f"{len(X_test):,}",
                     *(f"{c} ({100 * c / len(X_test):.3f}%)" for c in counts)))
    return rows


def budget_table(fitted):
    rows = [("pipeline", "min_agreement on valid", "test agreement", "file bytes", "vs pickle",
             "settings", "search time")]
    for name, pipe, X_test, _, X_valid in fitted:
        if X_valid is None or "dict" not in name:
            continue
        start = time.perf_counter()
        compressed = compress(pipe, X_valid, min_agreement=0.999)
        seconds = time.perf_counter() - start
        model = compressed[-1]
        settings = (f"bits={model.bits}, per_class={model.per_class}, "
                    f"sparsity={model.sparsity:.4g}" if not isinstance(model.sparsity, str)
                    else f"bits={model.bits}, per_class={model.per_class}, "
                         f"sparsity={model.sparsity!r}")
        size = saved_bytes(compressed)
        rows.append((name, "0.999",
                     _agreement(pipe, compressed, X_test), f"{size:,}",
                     f"{len(pickle.dumps(pipe)) / size:.1f}x",
                     f"{settings}, fingerprint_bits={compressed[0].fingerprint_bits}",
                     f"{seconds:.1f} s"))
    return rows


def numeric_table():
    X, y = numeric_dicts(2000, 0)
    X_test, y_test = numeric_dicts(2000, 1)
    rows = [("pipeline", "calibration X", "accuracy original", "accuracy compressed",
             "agreement", "UserWarning")]
    variants = (("raw count", []), ("MaxAbsScaler", [MaxAbsScaler()]),
                ("StandardScaler(with_mean=False)", [StandardScaler(with_mean=False)]))
    for name, middle in variants:
        pipe = _fitted(make_pipeline(DictVectorizer(), *middle,
                                     LogisticRegression(max_iter=1000)), X, y)
        for sample in (None, X[:1000]):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                compressed = compress(pipe, sample)
            warned = any(issubclass(w.category, UserWarning) for w in caught)
            rows.append((name, "no" if sample is None else "1,000 training rows",
                         f"{100 * pipe.score(X_test, y_test):.2f}%",
                         f"{100 * compressed.score(X_test, y_test):.2f}%",
                         _agreement(pipe, compressed, X_test), "yes" if warned else "no"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=DATA_ROOT)
    args = parser.parse_args()
    for title, rows in (("Numeric features", numeric_table()),):
        print(f"\n{title}\n" + "\n".join(text_table(rows)), flush=True)
    fitted = list(_pipelines(args.data_root))
    for title, rows in (("Defaults vs previous defaults", defaults_table(fitted)),
                        ("False fingerprint matches per test row", fingerprint_table(fitted)),
                        ("Accuracy budget", budget_table(fitted))):
        print(f"\n{title}\n" + "\n".join(text_table(rows)), flush=True)


if __name__ == "__main__":
    main()
