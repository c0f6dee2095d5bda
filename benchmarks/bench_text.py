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

    python benchmarks/bench_text.py [--data DIR] [--repeats 7]
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sklearn_compress import compress
from sklearn_compress.datasets import load_intent_dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA, python_output

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


def joblib_bytes(obj):
    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    return buffer.getbuffer().nbytes


def load_in_fresh_process(obj):
    """(seconds, bytes) of ``joblib.load`` in a fresh process (see the module docstring)."""
    with tempfile.NamedTemporaryFile(suffix=".joblib") as file:
        joblib.dump(obj, file.name)
        output = python_output(__file__, "--measure-load", file.name)
    seconds, allocated = output.split()
    return float(seconds), int(allocated)


def measure_load(path):
    """Child process: print the seconds of a first load, then the bytes a load allocates."""
    import tracemalloc

    import sklearn_compress  # noqa: F401 - imported before the timer, like the others

    start = time.perf_counter()
    joblib.load(path)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    loaded = joblib.load(path)
    allocated, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del loaded
    print(seconds, allocated)


def transform_rates(pipelines, texts, repeats):
    """Median docs/s of each pipeline's vectorizer, timed in turn each round."""
    copies = -(-MIN_TIMED_DOCS // len(texts))
    rates = {label: [] for label in pipelines}
    for _ in range(repeats):
        for label, pipe in pipelines.items():
            docs = [(text + " ")[:-1] for text in texts * copies]  # fresh str objects
            start = time.perf_counter()
            pipe[0].transform(docs)
            rates[label].append(len(docs) / (time.perf_counter() - start))
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


def _size(n_bytes):
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes} B"


def format_table(rows):
    header = ("| dataset | pipeline | variant | columns | joblib | orig/joblib | in memory "
              "| orig/memory | load ms | accuracy | agreement | transform docs/s | vs orig |")
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for row in rows:
        base = row["original"]
        lines.append(
            f"| {row['dataset']} | {row['pipeline']} | {row['variant']} | {row['columns']:,} "
            f"| {_size(row['joblib'])} | {base['joblib'] / row['joblib']:.1f}x "
            f"| {_size(row['memory'])} | {base['memory'] / row['memory']:.1f}x "
            f"| {1e3 * row['load_s']:.0f} | {100 * row['accuracy']:.2f} "
            f"| {100 * row['agreement']:.2f} | {row['rate']:,.0f} "
            f"| {row['rate'] / base['rate']:.2f}x |"
        )
    return "\n".join(lines)


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
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding clinc150/ and snips/ (default: ../shared/data)")
    parser.add_argument("--datasets", default="clinc150,snips", help="comma-separated")
    parser.add_argument("--pipelines", default=",".join(PIPELINES), help="comma-separated")
    parser.add_argument("--repeats", type=int, default=9, help="rounds of transform timing")
    parser.add_argument("--measure-load", help=argparse.SUPPRESS)
    return parser.parse_args()


def main():
    args = parse_args()
    if args.measure_load:
        measure_load(args.measure_load)
        return
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
