"""Replace a feature vocabulary dict with a minimal perfect hash.

A fitted text model keeps a ``{feature string: column}`` dict: for a few
hundred thousand features that is tens of megabytes of Python objects. A
:class:`~sklearn_compress.MinimalPerfectHash` maps the same strings onto the
slots ``0 .. N-1`` in about 3 bits per feature (plus an optional 8-bit
fingerprint that rejects strings never seen in training) and stores no
string at all. The model's weight rows are reordered once by slot.

Run it with ``python examples/mph_quickstart.py`` (a few seconds, no data to
download: the features are generated deterministically).
"""

import sys
import time

import numpy as np

from sklearn_compress import MinimalPerfectHash

N_FEATURES = 300_000
N_SINGLE_LOOKUPS = 50_000
FINGERPRINT_BITS = 8

_SYLLABLES = (
    "a", "an", "ay", "ba", "ch", "de", "el", "en", "er", "ing", "ka", "la", "lo", "ma", "mo",
    "ne", "on", "pl", "qu", "ra", "ri", "se", "sh", "st", "ta", "th", "the", "to", "un", "wi",
    "é", "ü", "ñ", "ß", "да", "ки", "東", "京",
)


def make_words(n_words, rng):
    """``n_words`` distinct made-up words of one to four syllables."""
    words = {}
    while len(words) < n_words:
        for length in rng.integers(1, 5, size=n_words).tolist():
            picks = rng.integers(0, len(_SYLLABLES), size=length).tolist()
            words["".join(_SYLLABLES[i] for i in picks)] = None
    return list(words)[:n_words]


def make_features(n_features, seed=0):
    """Distinct NLU-style features: unigrams, bigrams, suffixes, numbers."""
    rng = np.random.default_rng(seed)
    words = make_words(max(1000, n_features // 8), rng)
    features = {}
    while len(features) < n_features:
        first, second = rng.integers(0, len(words), size=(2, n_features)).tolist()
        for a, b, kind in zip(first, second, rng.integers(0, 10, size=n_features).tolist(),
                              strict=True):
            if kind < 2:
                feature = f"w={words[a]}"
            elif kind < 8:
                feature = f"b={words[a]} {words[b]}"
            elif kind < 9:
                feature = f"suffix3={words[a][-3:]}"
            else:
                feature = f"num={a * len(words) + b}"
            features[feature] = None
    return list(features)[:n_features]


def fresh_copies(strings):
    """New str objects: CPython caches a string's hash and UTF-8 form on first use."""
    return [(s + ".")[:-1] for s in strings]


def dict_nbytes(vocabulary):
    """Bytes of a ``{str: int}`` dict with its keys and values (small ints are shared)."""
    return (sys.getsizeof(vocabulary)
            + sum(sys.getsizeof(key) for key in vocabulary)
            + sum(sys.getsizeof(value) for value in vocabulary.values() if value > 256))


def seconds(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def single_lookup_ns(lookup_one, keys):
    start = time.perf_counter()
    for key in keys:
        lookup_one(key)
    return (time.perf_counter() - start) / len(keys) * 1e9


def main():
    features = make_features(N_FEATURES)
    vocabulary = {feature: column for column, feature in enumerate(features)}
    print(f"keys: {len(features):,} feature strings, e.g. {features[:3]}")

    build_s, mph = seconds(lambda: MinimalPerfectHash.build(
        features, fingerprint_bits=FINGERPRINT_BITS))
    blob = mph.to_bytes()
    print(f"built in {build_s:.2f} s: {mph.n_levels} levels")
    print(f"size: {len(blob):,} bytes saved ({8 * len(blob) / len(mph):.2f} bits/key with "
          f"{FINGERPRINT_BITS}-bit fingerprints), {mph.nbytes:,} bytes in memory "
          f"({mph.bits_per_key:.2f} bits/key)")
    replaced = dict_nbytes(vocabulary)
    print(f"dict it replaces: {replaced:,} bytes (dict + key strings + values), "
          f"{replaced / len(blob):.0f}x larger")

    # Every feature gets its own slot; a model reorders its weight rows once so
    # that row ``slot`` holds the weights of the feature's old column.
    slots = mph.lookup(features)
    assert sorted(slots.tolist()) == list(range(len(features)))
    column_of_slot = np.empty(len(features), dtype=np.int64)
    column_of_slot[slots] = np.arange(len(features))
    feature = features[len(features) // 2]
    print(f"{feature!r}: slot {mph.get(feature)}, column {column_of_slot[mph.get(feature)]} "
          f"(dict: column {vocabulary[feature]})")

    queries = fresh_copies(np.random.default_rng(1).permutation(features).tolist())
    batch_s, _ = seconds(lambda: mph.lookup(queries))
    dict_queries = fresh_copies(queries)
    dict_batch_s, _ = seconds(lambda: list(map(vocabulary.__getitem__, dict_queries)))
    print(f"batch lookup: {len(queries) / batch_s / 1e6:.2f} M keys/s "
          f"(dict: {len(queries) / dict_batch_s / 1e6:.2f} M keys/s)")
    singles = queries[:N_SINGLE_LOOKUPS]
    mph_ns = single_lookup_ns(mph.get, fresh_copies(singles))
    dict_ns = single_lookup_ns(vocabulary.__getitem__, fresh_copies(singles))
    print(f"single lookup: {mph_ns:.0f} ns/key with mph.get (dict: {dict_ns:.0f} ns/key)")

    # Strings never seen in training: the fingerprint turns most of them into -1.
    unseen = [f"w={feature}#unseen" for feature in features]
    rejected = int((mph.lookup(unseen) == -1).sum())
    expected = 100 * (1 - 2**-FINGERPRINT_BITS)
    print(f"non-members rejected: {rejected:,} of {len(unseen):,} "
          f"({100 * rejected / len(unseen):.2f}%; expected {expected:.2f}%)")

    restored = MinimalPerfectHash.from_bytes(blob)
    assert (restored.lookup(features) == slots).all()
    print("round trip: from_bytes(to_bytes()) gives the same slots")


if __name__ == "__main__":
    main()
