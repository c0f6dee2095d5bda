"""How fast a model file loads and serves its first prediction, in fresh processes.

For the CLINC150 pipeline (DictVectorizer over word unigrams and bigrams +
LogisticRegression) and a synthetic one with about a million features, side
by side in one run: ``joblib.load`` of the original pipeline, ``joblib.load``
of the compressed pipeline, ``sklearn_compress.load(mmap=True)`` and
``load(mmap=False)`` of the same compressed pipeline saved in the safe format.

Each measurement runs in a fresh Python process that first imports every
module the model needs and makes one prediction with a throwaway model (a
server loading many models has paid its imports and scikit-learn's one-time
input-validation setup once), then times loading the file plus predicting one
sample, and reads the growth of its resident memory (VmRSS). Medians over
``--repeats`` rounds, each running one process per loader in turn.

    python -m benchmarks.bench_load            # CLINC150 + 1M-feature synthetic
    python -m benchmarks.bench_load --quick    # small synthetic only, for a smoke run
    python -m benchmarks.bench_load --stages   # CLINC150: each stage of load() vs joblib
"""

import argparse
import json
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

import joblib

from sklearn_compress import compress, save
from sklearn_compress.datasets import word_ngram_features

from ._common import (
    DATA_ROOT,
    directory_data,
    fit_intent_pipeline,
    load_in_fresh_processes,
    module_output,
    synthetic_data,
    text_table,
)

SYNTHETIC_SAMPLES = {False: 600_000, True: 20_000}
SYNTHETIC_MAX_ITER = 20
# Imported before the timer in every process, whichever file it loads.
MODULES = ("numpy", "scipy.sparse", "joblib", "sklearn.pipeline", "sklearn.linear_model",
           "sklearn.feature_extraction", "sklearn_compress")


@dataclass
class Measurement:
    label: str
    file_bytes: int
    seconds: float
    rss_bytes: int
    prediction: str


def measure_interleaved(files, sample, repeats):
    """One fresh process per loader in each of ``repeats`` rounds, loaders in turn.

    Interleaved rather than loader after loader: a machine whose speed drifts
    during the run then shifts every loader alike, and the medians compare.
    """
    runs = {label: [] for label, _, _ in files}
    for _ in range(repeats):
        for label, kind, path in files:
            runs[label].append(load_in_fresh_processes(
                path, repeats=1, kind=kind, modules=MODULES, inputs=[sample], warm_up=True,
                predict_in_timer=True))
    return [Measurement(label, Path(path).stat().st_size,
                        statistics.median(run.seconds for run in runs[label]),
                        int(statistics.median(run.rss_bytes for run in runs[label])),
                        str(runs[label][0].predictions[0]))
            for label, _, path in files]


def model_files(data, scratch, max_iter):
    """Fit, compress and save; return [(label, loader kind, path)]."""
    original = fit_intent_pipeline(data, max_iter)
    compressed = compress(original)
    files = {name: scratch / name for name in ("original.joblib", "compressed.joblib",
                                               "compressed.skc")}
    joblib.dump(original, files["original.joblib"])
    joblib.dump(compressed, files["compressed.joblib"])
    save(compressed, files["compressed.skc"])
    n_features = len(original.steps[0][1].feature_names_)
    return n_features, [
        ("joblib.load(original)", "joblib", files["original.joblib"]),
        ("joblib.load(compressed)", "joblib", files["compressed.joblib"]),
        ("load(mmap=True)", "mmap", files["compressed.skc"]),
        ("load(mmap=False)", "read", files["compressed.skc"]),
    ]


def run_dataset(data, max_iter, repeats):
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        n_features, files = model_files(data, scratch, max_iter)
        sample = word_ngram_features(data.test_texts[0])
        results = measure_interleaved(files, sample, repeats)
    if len({m.prediction for m in results}) != 1:
        raise AssertionError(f"the loaders disagree: {[m.prediction for m in results]}")
    return n_features, results


def table(name, n_features, results):
    baseline = results[0].seconds
    rows = [("model file", "bytes", "load + 1st predict ms", "speed-up", "RSS growth MB")]
    for m in results:
        rows.append((m.label, f"{m.file_bytes:,}", f"{1e3 * m.seconds:.2f}",
                     f"{baseline / m.seconds:.1f}x", f"{m.rss_bytes / 2**20:.1f}"))
    return [f"### {name} ({n_features:,} features)", "", *text_table(rows), ""]


def target_lines(name, results, needed):
    by_label = {m.label: m for m in results}
    original, compressed = by_label["joblib.load(original)"], by_label["joblib.load(compressed)"]
    mapped = by_label["load(mmap=True)"]
    speedup = original.seconds / mapped.seconds
    return [
        f"- {name}: load(mmap=True) + first prediction {speedup:.0f}x faster than joblib-loading "
        f"the original (target >= {needed}x): {'met' if speedup >= needed else 'MISSED'}",
        f"- {name}: load(mmap=True) {compressed.seconds / mapped.seconds:.1f}x the speed of "
        "joblib-loading the compressed pipeline (target >= 1x): "
        f"{'met' if mapped.seconds <= compressed.seconds else 'MISSED'}",
    ]


STAGES = ("read and check the container (stat, header, offsets, map)",
          "check the format version and the digest of the whole file",
          "parse the object tree (strict JSON)",
          "build and check every object (parameters, arrays, hash, consistency)",
          "first predict after it")


def stage_table(data, max_iter, repeats):
    """Each stage of load() against joblib.load, fresh processes interleaved (--stages)."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        _, files = model_files(data, scratch, max_iter)
        joblib_file, skc_file = files[1][2], files[2][2]
        sample = word_ngram_features(data.test_texts[0])
        inputs = scratch / "inputs.json"
        inputs.write_text(json.dumps([sample]), encoding="utf-8")
        joblib_runs, stage_runs = [], []
        for _ in range(repeats):
            joblib_runs.append(load_in_fresh_processes(
                joblib_file, kind="joblib", modules=MODULES, inputs=[sample], warm_up=True,
                predict_in_timer=True).seconds * 1e3)
            stage_runs.append(json.loads(module_output("benchmarks._load_stages", skc_file,
                                                       inputs)))
    stages = [statistics.median(column) for column in zip(*stage_runs, strict=True)]
    joblib_ms = statistics.median(joblib_runs)
    rows = [("step", "ms"), ("joblib.load + first predict", f"{joblib_ms:.2f}")]
    rows += [(f"load: {name}" if i < 4 else name, f"{ms:.2f}")
             for i, (name, ms) in enumerate(zip(STAGES, stages, strict=False))]
    rows.append(("load total", f"{stages[-1]:.2f} ({joblib_ms / stages[-1]:.2f}x joblib)"))
    return [f"### {data.name}: stages of load() (medians of {repeats} rounds)", "",
            *text_table(rows)]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA_ROOT,
                        help="folder holding clinc150/ (default: $SKLEARN_COMPRESS_DATA or "
                             "../shared/data)")
    parser.add_argument("--repeats", type=int, default=7, help="fresh processes per loader")
    parser.add_argument("--quick", action="store_true", help="small synthetic dataset only")
    parser.add_argument("--stages", action="store_true",
                        help="CLINC150 only: time each stage of load() against joblib.load")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.stages:
        print("\n".join(stage_table(directory_data(args.data / "clinc150"), 100, args.repeats)))
        return
    datasets = []
    if not args.quick and (args.data / "clinc150").is_dir():
        datasets.append((directory_data(args.data / "clinc150"), 100, 20))
    datasets.append((synthetic_data(SYNTHETIC_SAMPLES[args.quick]), SYNTHETIC_MAX_ITER,
                     100))
    lines, targets = [], []
    for data, max_iter, needed in datasets:
        n_features, results = run_dataset(data, max_iter, args.repeats)
        lines += table(data.name, n_features, results)
        targets += target_lines(data.name, results, needed)
    print("\n".join([*lines, "Targets:", *targets]))


if __name__ == "__main__":
    main()
