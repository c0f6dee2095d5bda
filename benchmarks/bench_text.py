"""Benchmark compressed text pipelines against scikit-learn's and HashingVectorizer's.

For CLINC150 and SNIPS (fit on ``train``, evaluate on ``test``) and three
pipelines -- word (1, 2)-gram tf-idf + LogisticRegression, the same +
LinearSVC, and char_wb (2, 5)-gram tf-idf + LinearSVC -- side by side in one
run:

* ``original``: the scikit-learn pipeline;
* ``compressed``: ``compress(original)`` at its defaults (8-bit weights,
  8 fingerprint bits): CompressedTextVectorizer + QuantizedLinearModel;
* ``hashing``: HashingVectorizer + TfidfTransformer + the same model,
  quantized like ours, with ``n_features`` the power of two that makes its
  size closest to the compressed pipeline's (estimated from the compressed
  model's bytes per column, then measured).

Columns: joblib bytes; in-memory bytes (what ``tracemalloc`` sees allocated
by ``joblib.load`` in a fresh process that imported every module first);
load time (``joblib.load`` in that fresh process, imports before the timer);
test accuracy; agreement of predictions with the original; vectorizer
transform throughput on the test texts (repeated to at least 5,000), the
median of ``--repeats`` rounds that time every pipeline in turn.

Usage::

    python -m benchmarks.bench_text [--data DIR] [--repeats 7] [--quick]
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sklearn_compress import compress
from sklearn_compress.datasets import load_intent_dataset

from ._common import (
    DATA_ROOT,
    fresh_copies,
    human_bytes,
    joblib_bytes,
    load_in_fresh_processes,
    markdown_table,
    timed,
)

MIN_TIMED_DOCS = 5_000
# (dataset, pipeline) -> largest allowed compressed/original joblib bytes.
SIZE_TARGETS = {
    ("clinc150", "word1-2+LR"): 1 / 50,
    ("snips", "word1-2+LR"): 1 / 20,
    ("clinc150", "char_wb2-5+SVC"): 1 / 20,
}
MAX_ACCURACY_LOSS = 0.003
MIN_SPEEDUP = 1.0

PIPELINES = {
    "word1-2+LR": (dict(ngram_range=(1, 2)), lambda: LogisticRegression(max_iter=1000)),
    "word1-2+SVC": (dict(ngram_range=(1, 2)), LinearSVC),
    "char_wb2-5+SVC": (dict(analyzer="char_wb", ngram_range=(2, 5)), LinearSVC),
}


# -- pipelines ---------------------------------------------------------------------------


def hashing_pipeline(analysis, make_model, n_features, train, labels):
    vectorizer = HashingVectorizer(n_features=n_features, alternate_sign=False, norm=None,
                                   **analysis)
    pipe = make_pipeline(vectorizer, TfidfTransformer(), make_model()).fit(train, labels)
    # Quantize the model like ours; compress() does not take a HashingVectorizer.
    pipe.steps[-1] = (pipe.steps[-1][0], compress(pipe[-1]))
    return pipe


def sized_hashing_pipeline(analysis, make_model, compressed, train, labels):
    """A hashing pipeline about as large as ``compressed``."""
    target = joblib_bytes(compressed)
    model_bytes_per_column = joblib_bytes(compressed[-1]) / compressed[0].n_features_out_
    # The TfidfTransformer stores a float64 idf per column.
    columns = target / (model_bytes_per_column + 8)
    n_features = 1 << max(4, round(np.log2(columns)))
    return hashing_pipeline(analysis, make_model, n_features, train, labels)


def build_pipelines(name, train, labels):
    analysis, make_model = PIPELINES[name]
    original = make_pipeline(TfidfVectorizer(**analysis), make_model()).fit(train, labels)
    compressed = compress(original)
    hashing = sized_hashing_pipeline(analysis, make_model, compressed, train, labels)
    return {"original": original, "compressed": compressed, "hashing": hashing}


# -- measurements --------------------------------------------------------------------------


def load_in_fresh_process(obj):
    """(seconds, bytes) of ``joblib.load`` in a fresh process (see the module docstring)."""
    with tempfile.NamedTemporaryFile(suffix=".joblib") as file:
        joblib.dump(obj, file.name)
        load = load_in_fresh_processes(file.name, traced=True)
    return load.seconds, load.traced_bytes


def transform_rates(pipelines, texts, repeats):
    """Median docs/s of each pipeline's vectorizer, timed in turn each round."""
    copies = -(-MIN_TIMED_DOCS // len(texts))
    rates = {label: [] for label in pipelines}
    for _ in range(repeats):
        for label, pipe in pipelines.items():
            docs = fresh_copies(texts * copies)
            rates[label].append(len(docs) / timed(lambda p=pipe, d=docs: p[0].transform(d))[0])
    return {label: statistics.median(values) for label, values in rates.items()}


def bench(dataset, name, train, labels, test, test_labels, repeats):
    pipelines = build_pipelines(name, train, labels)
    rates = transform_rates(pipelines, test, repeats)
    reference = pipelines["original"].predict(test)
    rows = []
    for label, pipe in pipelines.items():
        predicted = pipe.predict(test)
        load_seconds, memory = load_in_fresh_process(pipe)
        rows.append({
            "dataset": dataset, "pipeline": name, "variant": label,
            "columns": _columns(pipe[0]), "joblib": joblib_bytes(pipe), "memory": memory,
            "load_s": load_seconds, "accuracy": np.mean(predicted == np.asarray(test_labels)),
            "agreement": np.mean(predicted == reference), "rate": rates[label],
        })
    print(f"  {dataset} {name} done", file=sys.stderr, flush=True)
    return rows


def _columns(vectorizer):
    if isinstance(vectorizer, HashingVectorizer):
        return vectorizer.n_features
    return getattr(vectorizer, "n_features_out_", None) or len(vectorizer.vocabulary_)


# -- report ----------------------------------------------------------------------------------


HEADER = ("dataset", "pipeline", "variant", "columns", "joblib", "orig/joblib", "in memory",
          "orig/memory", "load ms", "accuracy", "agreement", "transform docs/s", "vs orig")


def format_table(rows):
    cells = []
    for row in rows:
        base = row["original"]
        cells.append((
            row["dataset"], row["pipeline"], row["variant"], f"{row['columns']:,}",
            human_bytes(row["joblib"]), f"{base['joblib'] / row['joblib']:.1f}x",
            human_bytes(row["memory"]), f"{base['memory'] / row['memory']:.1f}x",
            f"{1e3 * row['load_s']:.0f}", f"{100 * row['accuracy']:.2f}",
            f"{100 * row['agreement']:.2f}", f"{row['rate']:,.0f}",
            f"{row['rate'] / base['rate']:.2f}x",
        ))
    return markdown_table(HEADER, cells)


def targets(rows):
    """Lines saying whether each target is met by the compressed pipelines."""
    lines = []
    for row in rows:
        if row["variant"] != "compressed":
            continue
        base, where = row["original"], f"{row['dataset']} {row['pipeline']}"
        limit = SIZE_TARGETS.get((row["dataset"], row["pipeline"]))
        if limit is not None:
            ratio = row["joblib"] / base["joblib"]
            lines.append(_verdict(f"{where}: joblib bytes <= 1/{round(1 / limit)} of the "
                                  f"original (1/{1 / ratio:.0f})", ratio <= limit))
        change = row["accuracy"] - base["accuracy"]
        lines.append(_verdict(f"{where}: accuracy at most 0.3 points below the original "
                              f"({100 * change:+.2f})", change >= -MAX_ACCURACY_LOSS))
        speedup = row["rate"] / base["rate"]
        lines.append(_verdict(f"{where}: transform >= {MIN_SPEEDUP:.1f}x scikit-learn's "
                              f"({speedup:.2f}x)", speedup >= MIN_SPEEDUP))
    return "\n".join(lines)


def _verdict(text, met):
    return f"- {'MET ' if met else 'MISSED'} {text}"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_ROOT,
                        help="folder holding clinc150/ and snips/ (default: "
                             "$SKLEARN_COMPRESS_DATA or ../shared/data)")
    parser.add_argument("--datasets", default="clinc150,snips", help="comma-separated")
    parser.add_argument("--pipelines", default=",".join(PIPELINES), help="comma-separated")
    parser.add_argument("--repeats", type=int, default=9, help="rounds of transform timing")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: SNIPS, word1-2+LR, 2 rounds")
    return parser.parse_args()


def main():
    args = parse_args()
    if args.quick:
        args.datasets, args.pipelines, args.repeats = "snips", "word1-2+LR", 2
    rows = []
    for dataset in filter(None, args.datasets.split(",")):
        train, labels = load_intent_dataset(args.data / dataset, "train")
        test, test_labels = load_intent_dataset(args.data / dataset, "test")
        for name in filter(None, args.pipelines.split(",")):
            group = bench(dataset, name, train, labels, test, test_labels, args.repeats)
            for row in group:
                row["original"] = group[0]
            rows += group
    print(format_table(rows))
    print()
    print(targets(rows))


if __name__ == "__main__":
    main()
