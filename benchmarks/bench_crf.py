"""A CRF slot tagger and its compressed copies, side by side in one run.

Trains ``sklearn_crfsuite.CRF`` (lbfgs, c1 = c2 = 0.1, the usual slot-filling
token features of :func:`sklearn_compress.crf.sequence_features`) on a slot
dataset in the SNIPS JSON Lines layout (``tokens``, ``tags``), then measures:

- the original: its ``.crfsuite`` model file, that file compressed with xz,
  the pickled CRF, the memory of an open ``pycrfsuite.Tagger`` and the
  latency of ``CRF.predict_single``;
- :class:`~sklearn_compress.CompressedCRF` at 8, 6, 5 and 4 bits: the
  ``save()`` file, the memory after ``load()`` and the latency of
  ``predict_single``;
- span F1, identically tagged test sentences and token agreement.

Memory is the growth of the anonymous resident memory (RssAnon: heap and
anonymous maps, everything the process allocates) of a fresh process, from
before opening the model to after tagging every test sentence with it (medians
over ``--repeats`` processes); the growth of the whole resident set (VmRSS) is
shown beside it. The two differ by file-backed pages, that is shared library
code paged in: the kernel maps code in 64 KB fault-around chunks, and a load
that runs one code path the warm-up did not run (``np.all`` over the
finiteness flags of 72 label scales, where the throwaway model has 14) adds
64 KB of numpy's code to VmRSS, which is not memory of the model. The process
has first imported every module, and opened a throwaway model of the same kind
and tagged the sentences with it, so that one-time setup is not counted; free
heap memory is returned to the system (``malloc_trim``) before each reading.
CRFsuite reads its model file into memory; the compressed files are read with
``load(mmap=False)``, so every array is resident. Latency is the median over
``--repeats`` passes of the mean time per test sentence, on feature dicts
rebuilt for each pass (fresh ``str`` objects).

    python -m benchmarks.bench_crf                       # SNIPS train/test
    python -m benchmarks.bench_crf --data DIR            # another slot dataset
    python -m benchmarks.bench_crf --quick               # a small smoke run
"""

import argparse
import json
import lzma
import pickle
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import sklearn_crfsuite

from sklearn_compress import compress, save
from sklearn_compress.crf import (
    load_slot_dataset,
    sequence_features,
    span_f1,
    synthetic_slot_dataset,
)

from ._common import DATA_ROOT, python_output, text_table

BITS = (8, 6, 5, 4)
QUICK_SENTENCES = 600

# Run by ``python -c`` with: loader kind, a throwaway model file of the same
# kind, the model file, a JSON file of the test sentences' features.
_PROBE = """
import ctypes, gc, json, sys
kind, warm_up_path, path, sentences_path = sys.argv[1:5]
import numpy, pycrfsuite, sklearn_crfsuite, sklearn_compress

def resident_bytes():
    # {"RssAnon": bytes, "VmRSS": bytes} of this process.
    # Freed heap memory goes back to the system first: without that, the
    # model could sit in memory freed by the warm-up and not count.
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    sizes = {}
    with open("/proc/self/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("RssAnon", "VmRSS"):
                sizes[name] = int(value.split()[0]) * 1024
    return sizes

def tag(path):
    if kind == "crfsuite":
        model = pycrfsuite.Tagger()
        model.open(path)
        for sentence in sentences:
            model.tag(sentence)
        return model
    model = sklearn_compress.load(path, mmap=False)
    for sentence in sentences:
        model.predict_single(sentence)
    return model

with open(sentences_path, encoding="utf-8") as f:
    sentences = json.load(f)
# A throwaway model first: what loading and tagging set up once per process
# (lazy imports, numpy and allocator caches) is not the model's memory.
tag(warm_up_path)
before = resident_bytes()
model = tag(path)
after = resident_bytes()
print(json.dumps({name: after[name] - before[name] for name in before}))
"""


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA_ROOT / "snips",
                        help="slot dataset folder with train/test JSON Lines (tokens, tags)")
    parser.add_argument("--train-split", default="train")
    parser.add_argument("--test-split", default="test")
    parser.add_argument("--max-iterations", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true",
                        help=f"train on {QUICK_SENTENCES} sentences of train_small, 2 repeats")
    return parser.parse_args()


def _fresh_features(tokens):
    # A JSON round trip makes new str objects: no hash or encoding cached.
    return json.loads(json.dumps([sequence_features(sentence) for sentence in tokens]))


def _latency_us(tag_one, tokens, repeats):
    per_pass = []
    for _ in range(repeats):
        X = _fresh_features(tokens)
        start = time.perf_counter()
        for xseq in X:
            tag_one(xseq)
        per_pass.append((time.perf_counter() - start) / len(X) * 1e6)
    return statistics.median(per_pass)


def _resident_growth(kind, warm_up_path, path, sentences_path, repeats):
    """Median growths of anonymous memory and of the whole resident set."""
    growths = [json.loads(python_output("-c", _PROBE, kind, warm_up_path, path,
                                        sentences_path)) for _ in range(repeats)]
    return tuple(statistics.median(growth[name] for growth in growths)
                 for name in ("RssAnon", "VmRSS"))


def _throwaway_models(directory):
    """A tiny .crfsuite model and its compressed .skc file, for the warm-up loads."""
    tokens, tags = synthetic_slot_dataset(50, seed=1)
    crf = sklearn_crfsuite.CRF(max_iterations=10)
    crf.fit([sequence_features(sentence) for sentence in tokens], tags)
    crf_path, tagger_path = directory / "throwaway.crfsuite", directory / "throwaway.skc"
    crf_path.write_bytes(Path(crf.modelfile.name).read_bytes())
    save(compress(crf), tagger_path)
    return crf_path, tagger_path


def _quality(y_test, original, predicted):
    identical = np.mean([list(a) == list(b) for a, b in zip(original, predicted, strict=True)])
    tokens = np.mean([a == b for s, t in zip(original, predicted, strict=True)
                      for a, b in zip(s, t, strict=True)])
    return span_f1(y_test, predicted), identical, tokens


def main():
    args = _parse_args()
    repeats = 2 if args.quick else args.repeats
    train_split = "train_small" if args.quick else args.train_split
    tokens, tags = load_slot_dataset(args.data, train_split)
    if args.quick:
        tokens, tags = tokens[:QUICK_SENTENCES], tags[:QUICK_SENTENCES]
    test_tokens, y_test = load_slot_dataset(args.data, args.test_split)
    X_test = [sequence_features(sentence) for sentence in test_tokens]
    max_iterations = 30 if args.quick else args.max_iterations

    start = time.perf_counter()
    crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=0.1, c2=0.1,
                               max_iterations=max_iterations)
    crf.fit([sequence_features(sentence) for sentence in tokens], tags)
    print(f"dataset: {args.data.name}: {len(tokens):,} train / {len(test_tokens):,} test "
          f"sentences, {len(crf.classes_)} labels; CRF trained in "
          f"{time.perf_counter() - start:.0f} s (max_iterations={max_iterations})")
    original = crf.predict(X_test)
    model_bytes = Path(crf.modelfile.name).read_bytes()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sentences_path = tmp / "sentences.json"
        sentences_path.write_text(json.dumps(X_test), encoding="utf-8")
        model_path = tmp / "model.crfsuite"
        model_path.write_bytes(model_bytes)
        warm_up_crf, warm_up_tagger = _throwaway_models(tmp)
        crf_memory = _resident_growth("crfsuite", warm_up_crf, model_path, sentences_path,
                                      repeats)
        crf_latency = _latency_us(crf.predict_single, test_tokens, repeats)
        f1 = span_f1(y_test, original)
        rows = [("model", "file bytes", "ratio", "memory after load", "ratio", "VmRSS growth",
                 "ratio", "latency/sentence", "span F1", "identical", "tokens")]
        rows.append((".crfsuite (CRFsuite)", f"{len(model_bytes):,}", "1.0x",
                     f"{crf_memory[0]:,.0f}", "1.0x", f"{crf_memory[1]:,.0f}", "1.0x",
                     f"{crf_latency:.0f} us", f"{100 * f1:.2f}", "", ""))
        xz_bytes = len(lzma.compress(model_bytes, preset=9))
        rows.append((".crfsuite + xz -9", f"{xz_bytes:,}", f"{len(model_bytes) / xz_bytes:.1f}x",
                     *[""] * 8))
        pickled = len(pickle.dumps(crf, protocol=pickle.HIGHEST_PROTOCOL))
        rows.append(("pickled CRF", f"{pickled:,}", f"{len(model_bytes) / pickled:.1f}x",
                     *[""] * 8))
        for bits in BITS:
            tagger = compress(crf, bits=bits)
            path = tmp / f"tagger{bits}.skc"
            save(tagger, path)
            file_bytes = path.stat().st_size
            memory = _resident_growth("skc", warm_up_tagger, path, sentences_path, repeats)
            latency = _latency_us(tagger.predict_single, test_tokens, repeats)
            tagger_f1, identical, token_share = _quality(y_test, original,
                                                         tagger.predict(X_test))
            rows.append((f"CompressedCRF {bits}-bit", f"{file_bytes:,}",
                         f"{len(model_bytes) / file_bytes:.1f}x", f"{memory[0]:,.0f}",
                         f"{crf_memory[0] / memory[0]:.1f}x", f"{memory[1]:,.0f}",
                         f"{crf_memory[1] / memory[1]:.1f}x", f"{latency:.0f} us",
                         f"{100 * tagger_f1:.2f}", f"{100 * identical:.2f}%",
                         f"{100 * token_share:.2f}%"))
    print("\n".join(text_table(rows)))
    print(f"memory: median RssAnon (and VmRSS) growth of {repeats} fresh processes; latency: "
          f"median of {repeats} passes over {len(test_tokens)} sentences")


if __name__ == "__main__":
    main()
