"""Compress a CRF slot tagger and check that the small copy tags the same.

The example trains a ``sklearn_crfsuite.CRF`` slot tagger (lbfgs, c1 = c2 =
0.1, the usual token features: lowercased word, affixes, shape, flags, the
words at -2..+2), compresses it with :func:`sklearn_compress.compress`, saves
it with :func:`sklearn_compress.save`, reloads it, and prints sizes, span F1,
agreement and tagging latency.

By default it generates a small deterministic synthetic slot dataset.
``--data DIR`` uses a dataset stored as ``DIR/train.jsonl[.gz]`` and
``DIR/test.jsonl`` with the fields ``tokens`` and ``tags`` (BIO), as SNIPS::

    python examples/compress_slot_tagger.py
    python examples/compress_slot_tagger.py --data ../shared/data/snips

Needs sklearn-crfsuite: ``pip install 'sklearn-compress[crf]'``.
"""

import argparse
import json
import pickle
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import sklearn_crfsuite

from sklearn_compress import compress, load, save
from sklearn_compress.crf import (
    load_slot_dataset,
    sequence_features,
    span_f1,
    synthetic_slot_dataset,
)

SEED = 0
TEST_FRACTION = 0.2


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="slot dataset folder (tokens, tags)")
    parser.add_argument("--n-samples", type=int, default=2000,
                        help="synthetic sentences when no --data is given")
    parser.add_argument("--max-iterations", type=int, default=100)
    parser.add_argument("--bits", type=int, default=8)
    parser.add_argument("--fingerprint-bits", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3, help="latency passes (median)")
    return parser.parse_args()


def _dataset(args):
    if args.data is not None:
        train, test = load_slot_dataset(args.data, "train"), load_slot_dataset(args.data, "test")
        return args.data.name, train, test
    tokens, tags = synthetic_slot_dataset(args.n_samples, seed=SEED)
    n_test = int(len(tokens) * TEST_FRACTION)
    name = f"synthetic ({args.n_samples:,} sentences)"
    return name, (tokens[n_test:], tags[n_test:]), (tokens[:n_test], tags[:n_test])


def _latency_us(tag_one, test_tokens, repeats):
    per_pass = []
    for _ in range(repeats):
        # Features rebuilt each pass: fresh strings, as a server receives them.
        X = [sequence_features(sentence) for sentence in test_tokens]
        start = time.perf_counter()
        for xseq in X:
            tag_one(xseq)
        per_pass.append((time.perf_counter() - start) / len(X) * 1e6)
    return statistics.median(per_pass)


def _print_table(rows):
    """Print rows of cells as aligned columns, with a rule under the header row."""
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def main():
    args = _parse_args()
    name, (tokens, tags), (test_tokens, y_test) = _dataset(args)
    X_train = [sequence_features(sentence) for sentence in tokens]
    X_test = [sequence_features(sentence) for sentence in test_tokens]
    start = time.perf_counter()
    crf = sklearn_crfsuite.CRF(c1=0.1, c2=0.1, max_iterations=args.max_iterations)
    crf.fit(X_train, tags)
    print(f"dataset: {name}: {len(tokens):,} train / {len(test_tokens):,} test sentences, "
          f"{len(crf.classes_)} labels")
    print(f"trained sklearn_crfsuite.CRF(max_iterations={args.max_iterations}) "
          f"({time.perf_counter() - start:.0f} s)")
    tagger = compress(crf, bits=args.bits, fingerprint_bits=args.fingerprint_bits)
    print(f"compressed with bits={args.bits}, fingerprint_bits={args.fingerprint_bits}")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tagger.skc"
        save(tagger, path)
        reloaded = load(path)
        tagger_file = path.stat().st_size
    original, predicted = crf.predict(X_test), reloaded.predict(X_test)
    if predicted.tolist() != tagger.predict(X_test).tolist():
        raise SystemExit("the reloaded tagger does not tag as the saved one")
    print("reload check: the saved and reloaded tagger tags the same")

    crf_file = Path(crf.modelfile.name).stat().st_size
    crf_pickle = len(pickle.dumps(crf, protocol=pickle.HIGHEST_PROTOCOL))
    f1_before, f1_after = span_f1(y_test, original), span_f1(y_test, predicted)
    identical = np.mean([list(a) == list(b) for a, b in zip(original, predicted, strict=True)])
    tokens_same = np.mean([a == b for s, t in zip(original, predicted, strict=True)
                           for a, b in zip(s, t, strict=True)])
    latency_before = _latency_us(crf.predict_single, test_tokens, args.repeats)
    latency_after = _latency_us(reloaded.predict_single, test_tokens, args.repeats)
    rows = [
        ("", "original", "compressed", "change"),
        ("model file bytes (.crfsuite / .skc)", f"{crf_file:,}", f"{tagger_file:,}",
         f"{crf_file / tagger_file:.1f}x smaller"),
        ("pickled bytes", f"{crf_pickle:,}", f"{len(pickle.dumps(reloaded)):,}",
         f"{crf_pickle / len(pickle.dumps(reloaded)):.1f}x smaller"),
        (f"span F1 on {len(test_tokens):,} test sentences", f"{100 * f1_before:.2f}",
         f"{100 * f1_after:.2f}", f"{100 * (f1_after - f1_before):+.2f} points"),
        ("identically tagged sentences", "", f"{100 * identical:.2f}%", ""),
        ("token agreement", "", f"{100 * tokens_same:.2f}%", ""),
        (f"latency per sentence (median of {args.repeats})", f"{latency_before:.0f} us",
         f"{latency_after:.0f} us", f"{latency_after / latency_before:.1f}x"),
    ]
    print()
    _print_table(rows)
    print(json.dumps({"identical": identical, "f1_change": f1_after - f1_before}))


if __name__ == "__main__":
    main()
