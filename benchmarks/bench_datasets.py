"""How much smaller compress() makes the main pipeline shapes, dataset by dataset.

The README's results table. For CLINC150, SNIPS and the main example's
synthetic assistant data, side by side in one run, each of three pipeline
shapes is fitted on ``train``, compressed with ``compress()`` at its defaults
(8-bit weights, 8 fingerprint bits) and evaluated on ``test``:

- ``DictVectorizer + LogisticRegression``: word unigram and bigram counts
  (:func:`~sklearn_compress.datasets.word_ngram_features`), the main
  example's pipeline, ``max_iter=30``;
- ``TfidfVectorizer(word 1-2) + LogisticRegression``: the README's
  quickstart, ``max_iter=100``;
- ``TfidfVectorizer(char_wb 2-5) + LinearSVC`` (CLINC150 and SNIPS only:
  on the synthetic set it had not finished fitting after 20 minutes on two
  shared cores).

Columns: classes; features (the vectorizer's columns); ``joblib.dump`` bytes
of the original and of the compressed pipeline, and their ratio; bytes of the
compressed pipeline in the safe format (``save()``); test accuracy of both;
agreement of their predictions. The ratio depends on the number of classes
(each class has one weight per feature in the original, a byte per non-zero
weight in the compressed model) and on the vocabulary (the original stores
every feature string, the compressed one about 11 bits per feature).

Usage::

    python -m benchmarks.bench_datasets [--data DIR] [--quick]
"""

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sklearn_compress import compress

from ._common import (
    DATA_ROOT,
    DEFAULT_MAX_ITER,
    featurize,
    fit_intent_pipeline,
    fit_quietly,
    joblib_bytes,
    real_datasets,
    saved_bytes,
    synthetic_data,
    text_table,
)

# The main example's default size: about 180,000 unigram+bigram features.
SYNTHETIC_SAMPLES = {False: 100_000, True: 5_000}
# Shapes run on the synthetic set: the word-level ones (see the module docstring).
SYNTHETIC_SHAPES = 2


def dict_logistic(data):
    return fit_intent_pipeline(data, DEFAULT_MAX_ITER), featurize


def word_tfidf_logistic(data):
    pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression())
    return fit_quietly(pipeline, data.train_texts, data.train_intents), list


def char_tfidf_svc(data):
    pipeline = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)),
                             LinearSVC())
    return fit_quietly(pipeline, data.train_texts, data.train_intents), list


# (label, fit(data) -> (fitted pipeline, function turning texts into its input))
SHAPES = (
    ("DictVectorizer + LogisticRegression", dict_logistic),
    ("TfidfVectorizer(word 1-2) + LogisticRegression", word_tfidf_logistic),
    ("TfidfVectorizer(char_wb 2-5) + LinearSVC", char_tfidf_svc),
)


def n_features(vectorizer):
    return len(getattr(vectorizer, "vocabulary_", None) or vectorizer.feature_names_)


def measure(data, label, fit):
    original, to_input = fit(data)
    compressed = compress(original)
    test_inputs = to_input(data.test_texts)
    truth = np.asarray(data.test_intents)
    predictions = [np.asarray(model.predict(test_inputs)) for model in (original, compressed)]
    sizes = [joblib_bytes(model) for model in (original, compressed)]
    accuracies = [100 * np.mean(p == truth) for p in predictions]
    return (
        data.name, label, str(data.n_classes), f"{n_features(original[0]):,}",
        f"{sizes[0]:,}", f"{sizes[1]:,}", f"{sizes[0] / sizes[1]:.0f}x",
        f"{saved_bytes(compressed):,}", f"{accuracies[0]:.2f}%", f"{accuracies[1]:.2f}%",
        f"{100 * np.mean(predictions[0] == predictions[1]):.2f}%",
    )


HEADER = ("dataset", "pipeline", "classes", "features", "original joblib", "compressed joblib",
          "ratio", "save() file", "accuracy", "compressed", "agreement")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA_ROOT,
                        help="folder holding clinc150/ and snips/ (default: "
                             "$SKLEARN_COMPRESS_DATA or ../shared/data)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: SNIPS and {SYNTHETIC_SAMPLES[True]:,} synthetic "
                             "samples, the DictVectorizer pipeline only")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    names = ("snips",) if args.quick else ("clinc150", "snips")
    datasets = [*real_datasets(args.data, names), synthetic_data(SYNTHETIC_SAMPLES[args.quick])]
    rows = []
    for data in datasets:
        shapes = SHAPES[:SYNTHETIC_SHAPES] if data.name.startswith("synthetic") else SHAPES
        for label, fit in shapes[:1] if args.quick else shapes:
            rows.append(measure(data, label, fit))
            print(f"  {time.perf_counter() - started:.0f} s: {'  '.join(rows[-1])}", flush=True)
    print()
    print("\n".join(text_table([HEADER, *rows])))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
