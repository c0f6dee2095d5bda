"""Benchmark compress() against what a user would try instead, and check its targets.

For each dataset (CLINC150, SNIPS and the example's synthetic assistant data
at about a million features), side by side in one run:

- the original ``DictVectorizer`` + ``LogisticRegression`` pipeline;
- ``compress()`` at its defaults (8 bits, 8 fingerprint bits) and at 6 and 4 bits;
- the original with its weights cast to float32 and to float16;
- the original saved with ``joblib.dump(compress=3)``;
- a ``FeatureHasher`` pipeline refitted with as many columns as make its
  joblib file about as large as the compressed one.

Columns: joblib file bytes; bytes that ``tracemalloc`` sees allocated by
``joblib.load`` in a fresh process; test accuracy; agreement with the
original's predictions; ``joblib.load`` time in fresh processes that import
every module before the timer (median); one-sample ``predict`` latency
(median over many single calls) and batch ``predict`` throughput, both on
feature dicts. Then a sweep of ``fingerprint_bits`` (with one quantization
scale for all classes, and one per class) separates the agreement lost to
quantization from the agreement lost to fingerprint false positives. Last,
the wall time of the tools themselves: ``compress()`` without and with the
test set as calibration sample, and ``compression_report()`` without and
with the test set (``--tool-times`` prints only this table).

Usage::

    python -m benchmarks.bench_compress [--quick] [--tool-times] [--data-root DIR]

It saves a size-vs-accuracy plot to ``docs/img/size_vs_accuracy.png``
(not with ``--quick``).
"""

import argparse
import copy
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import joblib
import matplotlib
import numpy as np
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from sklearn_compress import compress, compression_report

from ._common import (
    DATA_ROOT,
    DEFAULT_MAX_ITER,
    IMG_DIR,
    REPO_ROOT,
    featurize,
    fit_intent_pipeline,
    fit_quietly,
    load_in_fresh_processes,
    modules_of,
    real_datasets,
    synthetic_data,
    text_table,
    timed,
)

matplotlib.use("Agg")  # no display on a benchmark machine
import matplotlib.pyplot as plt

PLOT_PATH = IMG_DIR / "size_vs_accuracy.png"
FINGERPRINT_SWEEP = (0, 4, 8, 12, 16, 32)  # 32: practically no false positive
LATENCY_CALLS = 500
THROUGHPUT_REPEATS = 3
# ~1M unigram+bigram features in the synthetic data; --quick uses the small size.
SYNTHETIC_SAMPLES = {False: 600_000, True: 40_000}
# Fitting 24M float weights is slow on two cores; the accuracy settles early.
SYNTHETIC_MAX_ITER = 20


# -- the variants ---------------------------------------------------------------------------


@dataclass
class Variant:
    label: str
    model: object
    dump_options: dict


def with_weights_as(pipeline, dtype):
    """The pipeline with its model's coef_ and intercept_ cast to ``dtype``."""
    model = copy.copy(pipeline[-1])
    model.coef_ = model.coef_.astype(dtype)
    model.intercept_ = model.intercept_.astype(dtype)
    return Pipeline([*pipeline.steps[:-1], (pipeline.steps[-1][0], model)])


def size_matched_hasher(data, target_file_bytes, max_iter):
    """A FeatureHasher pipeline whose float64 weights take about ``target_file_bytes``."""
    n_classes = len(set(data.train_intents))
    n_outputs = 1 if n_classes == 2 else n_classes
    n_features = max(target_file_bytes // (8 * n_outputs), 2)
    pipeline = make_pipeline(FeatureHasher(n_features, input_type="dict"),
                             LogisticRegression(max_iter=max_iter))
    return fit_quietly(pipeline, featurize(data.train_texts), data.train_intents)


def make_variants(data, original, max_iter, scratch):
    ours = compress(original)
    variants = [
        Variant("original (float64)", original, {}),
        Variant("compress() defaults: 8 bits", ours, {}),
        Variant("compress(bits=6)", compress(original, bits=6), {}),
        Variant("compress(bits=4)", compress(original, bits=4), {}),
        Variant("float32 weights", with_weights_as(original, np.float32), {}),
        Variant("float16 weights", with_weights_as(original, np.float16), {}),
        Variant("joblib.dump(compress=3)", original, {"compress": 3}),
    ]
    ours_bytes = dumped_bytes(ours, scratch / "ours.joblib", {})
    hasher = size_matched_hasher(data, ours_bytes, max_iter)
    n_columns = hasher[0].n_features
    variants.append(Variant(f"FeatureHasher({n_columns:,}) refit", hasher, {}))
    return variants


# -- measurements ----------------------------------------------------------------------------


def dumped_bytes(model, path, dump_options):
    joblib.dump(model, path, **dump_options)
    return path.stat().st_size


def single_sample_latency(model, samples, calls=LATENCY_CALLS):
    """Median seconds of ``model.predict([sample])`` over single calls."""
    calls = (samples * (calls // len(samples) + 1))[:calls]
    return statistics.median(timed(lambda s=sample: model.predict([s]))[0] for sample in calls)


def batch_throughput(model, samples, repeats=THROUGHPUT_REPEATS):
    """Samples per second of one ``predict`` over all samples (median of repeats)."""
    return statistics.median(len(samples) / timed(lambda: model.predict(samples))[0]
                             for _ in range(repeats))


@dataclass
class Row:
    label: str
    file_bytes: int
    loaded_bytes: int
    accuracy: float
    agreement: float
    load_seconds: float
    latency_seconds: float
    samples_per_second: float


def measure(variant, data, test_features, reference, scratch, repeats):
    path = scratch / "model.joblib"
    file_bytes = dumped_bytes(variant.model, path, variant.dump_options)
    load = load_in_fresh_processes(path, repeats=repeats, modules=modules_of(variant.model),
                                   inputs=test_features, traced=True)
    predictions = np.asarray(variant.model.predict(test_features))
    if not np.array_equal(load.predictions, predictions):
        raise RuntimeError(f"{variant.label}: the reloaded model predicts differently")
    latency_samples = test_features[:LATENCY_CALLS]
    return Row(
        label=variant.label, file_bytes=file_bytes, loaded_bytes=load.traced_bytes,
        accuracy=float(np.mean(predictions == np.asarray(data.test_intents))),
        agreement=float(np.mean(predictions == reference)), load_seconds=load.seconds,
        latency_seconds=single_sample_latency(variant.model, latency_samples),
        samples_per_second=batch_throughput(variant.model, test_features),
    )


def variant_rows(data, original, test_features, max_iter, repeats):
    reference = np.asarray(original.predict(test_features))
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        variants = make_variants(data, original, max_iter, scratch)
        return [measure(v, data, test_features, reference, scratch, repeats) for v in variants]


@dataclass
class SweepRow:
    fingerprint_bits: int
    per_class: bool
    accuracy: float
    agreement: float


def fingerprint_sweep(original, test_features, test_intents):
    reference = np.asarray(original.predict(test_features))
    rows = []
    for per_class in (False, True):
        for bits in FINGERPRINT_SWEEP:
            predictions = compress(original, fingerprint_bits=bits,
                                   per_class=per_class).predict(test_features)
            rows.append(SweepRow(bits, per_class,
                                 float(np.mean(predictions == np.asarray(test_intents))),
                                 float(np.mean(predictions == reference))))
    return rows


def unseen_feature_share(original, test_features):
    """Share of test samples with a feature the vectorizer never saw in training.

    Only these samples can be changed by a fingerprint false positive.
    """
    vocabulary = original[0].vocabulary_
    return float(np.mean([any(name not in vocabulary for name in sample)
                          for sample in test_features]))


def tool_times(original, test_features, test_intents):
    """(call, seconds) of compress() and compression_report() on this pipeline, once each."""
    seconds, compressed = timed(lambda: compress(original))
    rows = [("compress(model)", seconds)]
    rows.append(("compress(model, X_test)",
                 timed(lambda: compress(original, test_features))[0]))
    rows.append(("compression_report(model, compressed)",
                 timed(lambda: compression_report(original, compressed))[0]))
    rows.append(("compression_report(model, compressed, X_test, y_test)",
                 timed(lambda: compression_report(original, compressed, test_features,
                                                  test_intents))[0]))
    return rows


# -- targets ---------------------------------------------------------------------------------


def target_checks(rows):
    """(target, measured, met) for the compress() defaults against the original."""
    original, ours = rows[0], rows[1]
    file_ratio = original.file_bytes / ours.file_bytes
    memory_ratio = original.loaded_bytes / ours.loaded_bytes
    accuracy_drop = 100 * (original.accuracy - ours.accuracy)
    load_speedup = original.load_seconds / ours.load_seconds
    return [
        ("joblib file <= 1/50 of the original", f"1/{file_ratio:.1f}", file_ratio >= 50),
        ("in-memory <= 1/50 of the original", f"1/{memory_ratio:.1f}", memory_ratio >= 50),
        ("accuracy within 0.3 points", f"{-accuracy_drop:+.2f} points", accuracy_drop <= 0.3),
        ("prediction agreement >= 99.5%", f"{100 * ours.agreement:.2f}%",
         ours.agreement >= 0.995),
        ("joblib load >= 20x faster", f"{load_speedup:.1f}x", load_speedup >= 20),
        ("one-sample latency <= the original's",
         f"{1e6 * ours.latency_seconds:.0f} vs {1e6 * original.latency_seconds:.0f} us",
         ours.latency_seconds <= original.latency_seconds),
    ]


# -- output ----------------------------------------------------------------------------------


def variant_table(rows):
    table = [("variant", "joblib bytes", "in-memory bytes", "accuracy", "agreement",
              "load ms", "1-sample us", "batch samples/s")]
    for row in rows:
        table.append((
            row.label, f"{row.file_bytes:,}", f"{row.loaded_bytes:,}",
            f"{100 * row.accuracy:.2f}%", f"{100 * row.agreement:.2f}%",
            f"{1000 * row.load_seconds:.1f}", f"{1e6 * row.latency_seconds:.0f}",
            f"{row.samples_per_second:,.0f}",
        ))
    return text_table(table)


def sweep_table(rows):
    by_bits = {}
    for row in rows:
        by_bits.setdefault(row.fingerprint_bits, {})[row.per_class] = row
    table = [("fingerprint_bits", "accuracy", "agreement", "accuracy per_class",
              "agreement per_class")]
    for bits, pair in by_bits.items():
        table.append((str(bits), f"{100 * pair[False].accuracy:.2f}%",
                      f"{100 * pair[False].agreement:.2f}%",
                      f"{100 * pair[True].accuracy:.2f}%", f"{100 * pair[True].agreement:.2f}%"))
    return text_table(table)


def tool_times_table(rows):
    return text_table([("call", "seconds"), *((call, f"{seconds:.1f}") for call, seconds in rows)])


def targets_table(checks):
    table = [("target (set for CLINC150; compress() defaults)", "measured", "met")]
    table += [(target, measured, "yes" if met else "NO") for target, measured, met in checks]
    return text_table(table)


MARKERS = "osD^v<>ph*"


def save_plot(results, path=PLOT_PATH):
    """One panel per dataset; each variant keeps its colour and marker in all panels."""
    figure, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 4.2), squeeze=False)
    for axis, (name, rows) in zip(axes[0], results.items(), strict=True):
        for index, row in enumerate(rows):
            axis.scatter(row.file_bytes, 100 * row.accuracy, label=row.label,
                         marker=MARKERS[index % len(MARKERS)], color=f"C{index}", s=50)
        axis.set_xscale("log")
        axis.set(title=name, xlabel="joblib file bytes (log)", ylabel="test accuracy (%)")
        axis.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    labels = ["FeatureHasher refit" if label.startswith("FeatureHasher") else label
              for label in labels]
    figure.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    figure.tight_layout(rect=(0, 0.12, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)


# -- driver ----------------------------------------------------------------------------------


def datasets(args):
    """(name, IntentData, LogisticRegression max_iter) for each available dataset."""
    for data in real_datasets(args.data_root):
        yield data.name, data, DEFAULT_MAX_ITER
    n_samples = SYNTHETIC_SAMPLES[args.quick]
    yield "synthetic", synthetic_data(n_samples), SYNTHETIC_MAX_ITER


def run_dataset(name, data, max_iter, repeats, only_tool_times=False):
    started = time.perf_counter()
    original = fit_intent_pipeline(data, max_iter)
    test_features = featurize(data.test_texts)
    print(f"## {name}: {len(data.train_texts):,} train / {len(data.test_texts):,} test texts, "
          f"{len(set(data.train_intents))} intents, "
          f"{len(original[0].feature_names_):,} features, max_iter={max_iter}\n")
    if only_tool_times:
        print_tool_times(original, test_features, data.test_intents)
        print(f"[{name}: {time.perf_counter() - started:.0f} s]\n", flush=True)
        return []
    rows = variant_rows(data, original, test_features, max_iter, repeats)
    print("\n".join(variant_table(rows)), "\n")
    unseen = unseen_feature_share(original, test_features)
    print(f"fingerprint_bits sweep (bits=8); {100 * unseen:.1f}% of the test samples have a "
          "feature unseen in training:\n")
    print("\n".join(sweep_table(fingerprint_sweep(original, test_features, data.test_intents))))
    print()
    print("\n".join(targets_table(target_checks(rows))))
    print()
    print_tool_times(original, test_features, data.test_intents)
    print(f"[{name}: {time.perf_counter() - started:.0f} s]\n", flush=True)
    return rows


def print_tool_times(original, test_features, test_intents):
    print(f"compress() and compression_report() on this pipeline ({len(test_features):,} "
          "test samples as X):\n")
    print("\n".join(tool_times_table(tool_times(original, test_features, test_intents))))
    print(flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", type=Path, default=DATA_ROOT,
                        help="folder holding clinc150/ and snips/ (default "
                             "$SKLEARN_COMPRESS_DATA or ../shared/data)")
    parser.add_argument("--quick", action="store_true",
                        help=f"synthetic data at {SYNTHETIC_SAMPLES[True]:,} samples, one load "
                             "per file")
    parser.add_argument("--tool-times", action="store_true",
                        help="print only the times of compress() and compression_report()")
    parser.add_argument("--repeats", type=int, default=3,
                        help="fresh-process loads per file (default 3; 1 with --quick)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    started = time.perf_counter()
    results = {name: run_dataset(name, data, max_iter, repeats, args.tool_times)
               for name, data, max_iter in datasets(args)}
    if args.tool_times:
        print(f"total {time.perf_counter() - started:.0f} s")
        return
    if args.quick:  # a smoke run leaves the documented plot alone
        print(f"plot: not saved with --quick; total {time.perf_counter() - started:.0f} s")
        return
    save_plot(results)
    print(f"plot: {PLOT_PATH.relative_to(REPO_ROOT)}; total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
