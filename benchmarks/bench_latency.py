"""Per-request latency: one key, one dict, one utterance, side by side in one run.

Usage::

    python -m benchmarks.bench_latency                    # keys, then CLINC150 if present
    python -m benchmarks.bench_latency --n 1e6 --data DIR

Rows:

* one-key lookups of ``MinimalPerfectHash.get`` / ``dict.get`` / bbhash's
  ``lookup`` including its ``mmh3.hash64`` call, on fresh ``str`` objects
  (CPython caches a string's hash on first use) in random order;
* batch lookups (``lookup`` of a list of fresh strings; bbhash gets the same
  MurmurHash3 from our batch hasher, its best case);
* on CLINC150 (``--data``, default ``clinc150/`` in ``$SKLEARN_COMPRESS_DATA``): one-dict
  ``transform`` of the compressed vectorizer against ``DictVectorizer``, and
  one-utterance ``predict`` of the compressed DictVectorizer + LR and
  TfidfVectorizer((1, 2)) + LR pipelines against the originals;
* on SNIPS (``--snips``, default ``snips/`` in ``$SKLEARN_COMPRESS_DATA``; needs
  sklearn-crfsuite): one-sentence tagging, ``CompressedCRF.predict_single``
  (``compress()`` at its defaults) against ``sklearn_crfsuite.CRF.predict_single``,
  the CRF trained as in ``bench_crf`` (lbfgs, c1 = c2 = 0.1, the features of
  :func:`sklearn_compress.crf.sequence_features`, ``--crf-max-iterations``).

Each repeat times every contender in turn, so machine noise hits them alike;
the tables show medians over repeats and ratios against the reference.
"""

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_compress import MinimalPerfectHash, compress
from sklearn_compress.crf import load_slot_dataset, sequence_features
from sklearn_compress.datasets import load_intent_dataset, word_ngram_features

from ._common import DATA_ROOT, fresh_copies, markdown_table
from .bench_mph import _parse_n, batch_hash64, feature_keys

try:
    import bbhash
    import mmh3
except ImportError:  # the key tables then show only ours and the dict
    bbhash = None
try:
    import sklearn_crfsuite
except ImportError:  # the tagger row is then skipped
    sklearn_crfsuite = None

TARGET_GET_VS_DICT = 1.0
TARGET_GET_VS_BBHASH = 0.8
TARGET_BATCH_VS_BBHASH = 1.0
TARGET_TRANSFORM_VS_DICTVECTORIZER = 2.0
TARGET_PREDICT = {"DictVectorizer + LR": 3.0, "TfidfVectorizer((1, 2)) + LR": 2.0}


# -- timers: one loop per contender, so none pays a wrapper call the others do not --


def _ns_per_call(loop, inputs):
    start = time.perf_counter()
    loop(inputs)
    return (time.perf_counter() - start) / len(inputs) * 1e9


def _get_loop(get):
    def loop(keys):
        for key in keys:
            get(key)
    return loop


def _bbhash_loop(mphf):
    lookup, hash64 = mphf.lookup, mmh3.hash64

    def loop(keys):
        for key in keys:
            lookup(hash64(key, signed=False)[0])
    return loop


def _call_loop(method):
    """``method([x])`` for each input: one request of one item at a time."""
    def loop(items):
        for item in items:
            method([item])
    return loop


def _medians(contenders, make_inputs, repeats):
    """``{name: median ns per input}`` with contenders interleaved in every repeat."""
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, loop in contenders.items():
            inputs = make_inputs()
            gc.collect()
            times[name].append(_ns_per_call(loop, inputs))
    return {name: statistics.median(values) for name, values in times.items()}


def _table(title, medians, reference, unit="ns", higher_is_better=False):
    rows = []
    for name, value in medians.items():
        ratio = value / medians[reference] if higher_is_better else medians[reference] / value
        rows.append((name, f"{value:,.{0 if value >= 100 else 2}f}", f"{ratio:.2f}x"))
    header = ("contender", f"median {unit}", f"vs {reference}")
    print(f"\n{title}\n" + markdown_table(header, rows), flush=True)


# -- keys ---------------------------------------------------------------------


def run_keys(n, n_single, repeats, seed=0):
    keys = feature_keys(n, seed)
    rng = np.random.default_rng(seed + 1)
    order = rng.permutation(n)
    singles = [keys[i] for i in order[:n_single]]
    mph = MinimalPerfectHash.build(keys, fingerprint_bits=8)
    table = {key: slot for slot, key in enumerate(keys)}
    one_key = {"ours get": _get_loop(mph.get), "dict.get": _get_loop(table.get)}
    batch = {"ours lookup": mph.lookup,
             "dict.get per key": lambda batch_keys: [table.get(k, -1) for k in batch_keys]}
    if bbhash is not None:
        mphf = bbhash.PyMPHF(batch_hash64(keys).tolist(), n, 1, 1.0)
        one_key["bbhash lookup + mmh3.hash64"] = _bbhash_loop(mphf)
        batch["bbhash lookup_many + our hash"] = (
            lambda batch_keys: mphf.lookup_many(batch_hash64(batch_keys)))
    print(f"\n## {n:,} keys, fingerprint_bits=8, gamma=1 ({repeats} repeats)")
    medians = _medians(one_key, lambda: fresh_copies(singles), repeats)
    _table(f"One-key lookup of {n_single:,} fresh strings, random order (ns per key)",
           medians, "dict.get")
    batch_keys = [keys[i] for i in order]
    batch_medians = _medians({name: lambda ks, f=f: f(ks) for name, f in batch.items()},
                             lambda: fresh_copies(batch_keys), repeats)
    rates = {name: 1e3 / ns for name, ns in batch_medians.items()}  # Mkeys/s
    reference = "bbhash lookup_many + our hash" if bbhash is not None else "dict.get per key"
    _table(f"Batch lookup of all {n:,} keys as one list (Mkeys/s)", rates, reference,
           unit="Mkeys/s", higher_is_better=True)
    checks = [(f"get {medians['dict.get'] / medians['ours get']:.2f}x dict.get "
               f">= {TARGET_GET_VS_DICT}", medians["dict.get"] / medians["ours get"]
               >= TARGET_GET_VS_DICT)]
    if bbhash is not None:
        get_ratio = medians["bbhash lookup + mmh3.hash64"] / medians["ours get"]
        batch_ratio = rates["ours lookup"] / rates[reference]
        checks += [(f"get {get_ratio:.2f}x bbhash >= {TARGET_GET_VS_BBHASH}",
                    get_ratio >= TARGET_GET_VS_BBHASH),
                   (f"batch {batch_ratio:.2f}x bbhash >= {TARGET_BATCH_VS_BBHASH}",
                    batch_ratio >= TARGET_BATCH_VS_BBHASH)]
    return checks


# -- one dict, one utterance on CLINC150 ----------------------------------------------


def _fit(pipeline, inputs, intents):
    start = time.perf_counter()
    pipeline.fit(inputs, intents)
    return pipeline, time.perf_counter() - start


def run_clinc150(directory, n_requests, repeats):
    texts, intents = load_intent_dataset(directory, "train")
    test_texts, _ = load_intent_dataset(directory, "test")
    rng = np.random.default_rng(0)
    requests = [test_texts[i] for i in rng.choice(len(test_texts), n_requests, replace=False)]
    dicts = [word_ngram_features(text) for text in texts]
    request_dicts = [word_ngram_features(text) for text in requests]
    dict_pipe, dict_s = _fit(make_pipeline(DictVectorizer(), LogisticRegression(max_iter=30)),
                             dicts, intents)
    tfidf_pipe, tfidf_s = _fit(make_pipeline(TfidfVectorizer(ngram_range=(1, 2)),
                                             LogisticRegression(max_iter=30)), texts, intents)
    small_dict, small_tfidf = compress(dict_pipe), compress(tfidf_pipe)
    print(f"\n## CLINC150: {len(texts):,} train texts; fitted in {dict_s:.0f} s and "
          f"{tfidf_s:.0f} s; {n_requests:,} test requests, one at a time ({repeats} repeats)")

    def copies(items):
        # Fresh dicts of fresh strings: no cached hashes from an earlier repeat.
        return lambda: [{(k + ".")[:-1]: v for k, v in d.items()} for d in items]

    transform = _medians({"DictVectorizer.transform": _call_loop(dict_pipe[0].transform),
                          "CompressedVectorizer.transform": _call_loop(small_dict[0].transform)},
                         copies(request_dicts), repeats)
    _table("transform([one dict]) (us per request)",
           {k: v / 1e3 for k, v in transform.items()}, "DictVectorizer.transform", unit="us")
    checks = [_ratio_check("one-dict transform", transform["DictVectorizer.transform"],
                           transform["CompressedVectorizer.transform"],
                           TARGET_TRANSFORM_VS_DICTVECTORIZER)]
    for name, original, small, make_inputs in (
            ("DictVectorizer + LR", dict_pipe, small_dict, copies(request_dicts)),
            ("TfidfVectorizer((1, 2)) + LR", tfidf_pipe, small_tfidf,
             lambda: fresh_copies(requests))):
        predict = _medians({f"original {name}": _call_loop(original.predict),
                            f"compressed {name}": _call_loop(small.predict)},
                           make_inputs, repeats)
        _table(f"predict([one utterance]), {name} (us per request)",
               {k: v / 1e3 for k, v in predict.items()}, f"original {name}", unit="us")
        checks.append(_ratio_check(f"one-utterance predict, {name}",
                                   predict[f"original {name}"], predict[f"compressed {name}"],
                                   TARGET_PREDICT[name]))
    return checks


# -- one sentence on SNIPS ---------------------------------------------------------------


def run_snips(directory, n_requests, repeats, max_iterations):
    tokens, tags = load_slot_dataset(directory, "train")
    test_tokens, _ = load_slot_dataset(directory, "test")
    rng = np.random.default_rng(0)
    n_requests = min(n_requests, len(test_tokens))
    requests = [sequence_features(test_tokens[i])
                for i in rng.choice(len(test_tokens), n_requests, replace=False)]
    crf, fit_s = _fit(sklearn_crfsuite.CRF(algorithm="lbfgs", c1=0.1, c2=0.1,
                                           max_iterations=max_iterations),
                      [sequence_features(sentence) for sentence in tokens], tags)
    tagger = compress(crf)
    identical = np.mean([list(tagger.predict_single(x)) == list(crf.predict_single(x))
                         for x in requests])
    print(f"\n## SNIPS: {len(tokens):,} train sentences; CRF fitted in {fit_s:.0f} s "
          f"(max_iterations={max_iterations}); {n_requests:,} test sentences, one at a time "
          f"({repeats} repeats); {100 * identical:.1f}% tagged identically")

    def fresh_features():
        # A JSON round trip makes new str objects: no hash or encoding cached.
        return json.loads(json.dumps(requests))

    tag = _medians({"sklearn_crfsuite.CRF.predict_single": _get_loop(crf.predict_single),
                    "CompressedCRF.predict_single": _get_loop(tagger.predict_single)},
                   fresh_features, repeats)
    _table("predict_single(one sentence) (us per sentence)",
           {k: v / 1e3 for k, v in tag.items()}, "sklearn_crfsuite.CRF.predict_single",
           unit="us")


def _ratio_check(what, reference_ns, ours_ns, target):
    ratio = reference_ns / ours_ns
    return f"{what} {ratio:.2f}x the original >= {target}", ratio >= target


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=_parse_n, default=100_000, help="keys (default 1e5)")
    parser.add_argument("--single", type=_parse_n, default=50_000,
                        help="keys timed one at a time (default 5e4)")
    parser.add_argument("--requests", type=_parse_n, default=1000,
                        help="CLINC150 test utterances timed one at a time (default 1000)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--data", type=Path, default=DATA_ROOT / "clinc150",
                        help="CLINC150 in JSON Lines (skipped when absent)")
    parser.add_argument("--snips", type=Path, default=DATA_ROOT / "snips",
                        help="SNIPS slots in JSON Lines (skipped when absent)")
    parser.add_argument("--crf-max-iterations", type=int, default=100,
                        help="lbfgs iterations of the SNIPS CRF (default 100, as bench_crf)")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"bbhash {'available' if bbhash else 'not installed'}, {os.cpu_count()} cpus")
    checks = run_keys(args.n, min(args.single, args.n), args.repeats)
    if args.data.is_dir():
        checks += run_clinc150(args.data, args.requests, args.repeats)
    else:
        print(f"\n(no CLINC150 at {args.data}: transform and predict rows skipped)")
    if sklearn_crfsuite is None or not args.snips.is_dir():
        print(f"\n(no sklearn-crfsuite or no SNIPS at {args.snips}: tagger row skipped)")
    else:
        run_snips(args.snips, args.requests, args.repeats, args.crf_max_iterations)
    print("\nTargets:")
    for description, met in checks:
        print(f"  [{'MET ' if met else 'MISS'}] {description}")


if __name__ == "__main__":
    main()
