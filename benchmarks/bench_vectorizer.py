"""Benchmark CompressedVectorizer against DictVectorizer and a marisa-trie vocabulary.

For each dataset, side by side in one run: fit time, transform throughput,
pickled size and in-memory size after loading the pickle in a fresh process.

Datasets: word unigram+bigram feature dicts of CLINC150 and SNIPS (fit on the
train split, transform the test split repeated to at least 10,000 samples),
and synthetic vocabularies of ``--sizes`` features (fit on samples covering
each feature once, transform random samples of seen features).

Usage::

    python -m benchmarks.bench_vectorizer [--data DIR] [--sizes 1000000,5000000] [--quick]

Timing uses fresh ``str`` objects for every repeat (their cached hashes would
favour the dict) and a random sample order; figures are medians of repeats.
The in-memory size is what ``tracemalloc`` sees allocated by ``pickle.load``
in a subprocess that has imported every module beforehand; marisa-trie
allocates in C++, invisibly to tracemalloc, so its trie's serialized size
(``len(trie.tobytes())``, about its in-memory size) is added.
"""

import argparse
import pickle
import statistics
import sys
import tempfile
from pathlib import Path

import marisa_trie
import numpy as np
from sklearn.feature_extraction import DictVectorizer

from sklearn_compress import CompressedVectorizer
from sklearn_compress.datasets import load_intent_dataset, word_ngram_features

from ._common import DATA_ROOT, human_bytes, markdown_table, module_output, timed

FINGERPRINT_BITS = (0, 8, 16)
SYNTHETIC_FEATURES_PER_SAMPLE = 20
SYNTHETIC_TEST_SAMPLES = 20_000
MIN_TIMED_SAMPLES = 10_000


class MarisaDictVectorizer(DictVectorizer):
    """DictVectorizer whose ``vocabulary_`` is a ``marisa_trie.Trie`` (scikit-learn #2639).

    The trie maps each feature name to its own key id, used as the column;
    ``feature_names_`` is dropped, since the trie can restore names from ids.
    DictVectorizer's transform only needs ``name in vocabulary_``,
    ``vocabulary_[name]`` and ``len(vocabulary_)``, which the trie provides.
    """

    def fit(self, X, y=None):
        super().fit(X, y)
        self.vocabulary_ = marisa_trie.Trie(self.feature_names_)
        self.feature_names_ = ()  # DictVectorizer.transform checks it exists
        return self


def vectorizers():
    """(label, factory) of each vectorizer compared."""
    return [
        ("DictVectorizer", DictVectorizer),
        ("DictVectorizer+marisa", MarisaDictVectorizer),
        *(
            (f"Compressed b={bits}", lambda bits=bits: CompressedVectorizer(fingerprint_bits=bits))
            for bits in FINGERPRINT_BITS
        ),
    ]


# -- datasets: functions returning fresh feature dicts ------------------------------------


def intent_dataset(directory):
    train_texts, _ = load_intent_dataset(directory, "train")
    test_texts, _ = load_intent_dataset(directory, "test")
    # Small test splits (SNIPS: 700 texts) are repeated so that one timed
    # transform takes long enough to measure on a noisy machine.
    copies = -(-MIN_TIMED_SAMPLES // len(test_texts))

    def make(texts, copies=1):
        def samples(rng):
            order = rng.permutation(np.tile(np.arange(len(texts)), copies))
            return [word_ngram_features(texts[i]) for i in order]
        return samples

    return make(train_texts), make(test_texts, copies)


def synthetic_dataset(n_features, seed=0):
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    lengths = rng.integers(4, 12, size=n_features)
    codes = letters[rng.integers(0, 26, size=int(lengths.sum()))].tobytes().decode()
    ends = np.cumsum(lengths)
    # The index suffix makes names distinct; two "words" mimic bigram features.
    spans = zip(lengths, ends, strict=True)
    names = [f"{codes[end - n:end]} w{i}" for i, (n, end) in enumerate(spans)]
    k = SYNTHETIC_FEATURES_PER_SAMPLE

    def samples(rows):
        # New str objects each time (slicing a concatenation copies): no cached hash.
        return [{(names[i] + " ")[:-1]: 1 for i in row} for row in rows]

    def train(rng):
        order = rng.permutation(n_features)
        return samples(order[s:s + k] for s in range(0, n_features, k))

    def test(rng):
        return samples(rng.integers(0, n_features, size=(SYNTHETIC_TEST_SAMPLES, k)))

    return train, test


# -- measurements ----------------------------------------------------------------------


def measure_fit(factory, train, repeats, rng):
    times = []
    for _ in range(repeats):
        samples = train(rng)  # fresh strings, outside the timed region
        seconds, fitted = timed(lambda s=samples: factory().fit(s))
        times.append(seconds)
    return statistics.median(times), fitted


def measure_transform(fitted, test, repeats, rng):
    rates = []
    for _ in range(repeats):
        samples = test(rng)
        n_features = sum(map(len, samples))
        seconds, _ = timed(lambda s=samples: fitted.transform(s))
        rates.append(n_features / seconds)
    return statistics.median(rates)


def loaded_bytes(pickled):
    """Bytes allocated by unpickling in a fresh process (see the module docstring)."""
    with tempfile.NamedTemporaryFile(suffix=".pkl") as file:
        file.write(pickled)
        file.flush()
        output = module_output(__spec__.name, "--measure-load", file.name)
    return int(output.split()[-1])


def measure_load(path):
    """Child process: print the bytes ``pickle.load`` allocates."""
    import tracemalloc

    # Every module the pickle needs is imported above, before tracing starts.
    data = Path(path).read_bytes()
    tracemalloc.start()
    fitted = pickle.loads(data)
    allocated, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    trie = getattr(fitted, "vocabulary_", None)
    if isinstance(trie, marisa_trie.Trie):
        allocated += len(trie.tobytes())
    print(allocated)


# -- the table --------------------------------------------------------------------------


def n_columns(fitted):
    return getattr(fitted, "n_features_out_", None) or len(fitted.vocabulary_)


def bench_dataset(name, train, test, *, fit_repeats, transform_repeats, seed):
    rows = []
    for label, factory in vectorizers():
        rng = np.random.default_rng(seed)
        fit_seconds, fitted = measure_fit(factory, train, fit_repeats, rng)
        rate = measure_transform(fitted, test, transform_repeats, rng)
        pickled = pickle.dumps(fitted, protocol=pickle.HIGHEST_PROTOCOL)
        rows.append({
            "dataset": name, "vectorizer": label, "features": n_columns(fitted),
            "fit_s": fit_seconds, "rate": rate, "pickled": len(pickled),
            "memory": loaded_bytes(pickled),
        })
        print(f"  {name}: {label} done", file=sys.stderr, flush=True)
    return rows


HEADER = ("dataset", "vectorizer", "features", "fit s", "transform Mfeat/s", "vs DV",
          "pickled", "in memory", "DV/pickled", "DV/memory")


def format_table(rows):
    cells, baseline = [], {}
    for row in rows:
        if row["vectorizer"] == "DictVectorizer":
            baseline = row
        cells.append((
            row["dataset"], row["vectorizer"], f"{row['features']:,}", f"{row['fit_s']:.2f}",
            f"{row['rate'] / 1e6:.2f}", f"{row['rate'] / baseline['rate']:.2f}x",
            human_bytes(row["pickled"]), human_bytes(row["memory"]),
            f"{baseline['pickled'] / row['pickled']:.1f}x",
            f"{baseline['memory'] / row['memory']:.1f}x",
        ))
    return markdown_table(HEADER, cells)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_ROOT,
                        help="folder holding clinc150/ and snips/ (default: "
                             "$SKLEARN_COMPRESS_DATA or ../shared/data)")
    parser.add_argument("--datasets", default="clinc150,snips",
                        help="comma-separated real datasets ('' for none)")
    parser.add_argument("--sizes", default="1000000,5000000",
                        help="comma-separated synthetic vocabulary sizes ('' for none)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of each timing")
    parser.add_argument("--synthetic-fit-repeats", type=int, default=1,
                        help="fit repeats on synthetic data (slow)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: SNIPS and a 100,000-feature synthetic set, 2 repeats")
    parser.add_argument("--measure-load", help=argparse.SUPPRESS)
    return parser.parse_args()


def main():
    args = parse_args()
    if args.measure_load:
        measure_load(args.measure_load)
        return
    if args.quick:
        args.datasets, args.sizes, args.repeats = "snips", "100000", 2
    rows = []
    for name in filter(None, args.datasets.split(",")):
        train, test = intent_dataset(args.data / name)
        rows += bench_dataset(name, train, test, fit_repeats=args.repeats,
                              transform_repeats=args.repeats, seed=args.seed)
    for size in filter(None, args.sizes.split(",")):
        train, test = synthetic_dataset(int(size), seed=args.seed)
        rows += bench_dataset(f"synthetic {int(size):,}", train, test,
                              fit_repeats=args.synthetic_fit_repeats,
                              transform_repeats=args.repeats, seed=args.seed)
    print(format_table(rows))


if __name__ == "__main__":
    main()
