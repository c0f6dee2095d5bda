"""Benchmark MinimalPerfectHash against a Python dict and the ``bbhash`` package.

Usage::

    python -m benchmarks.bench_mph                 # quick: N = 1e5
    python -m benchmarks.bench_mph --n 1e6 1e7     # several sizes, one table each

Everything is measured side by side in one run: each repeat times every
structure in turn (so machine noise hits them alike) and the table shows
medians. Keys are realistic, deterministic feature strings (unigrams,
bigrams, trigrams, affixes, numbers; some non-ASCII).

Fairness rules:

* Times include hashing the strings: ours hashes inside ``build``/``lookup``;
  bbhash gets the same MurmurHash3 x64 128 hash (its first 64-bit half), batch
  hashed by the same chunked hasher as ours, and
  ``mmh3.hash64(key, signed=False)[0]`` for single keys.
* bbhash builds with ``nthreads=1`` (ours is single-threaded too).
* Every timed call gets freshly created ``str`` objects (in random order for
  lookups): CPython caches a string's hash and its UTF-8 form on first use,
  which would otherwise flatter whichever structure runs second.
* Peak build memory: ``tracemalloc`` for ours and the dict (numpy reports its
  buffers to tracemalloc); bbhash allocates in C++, so it is built in a fresh
  subprocess and measured as the growth of the peak RSS (``VmHWM``, reset just
  before the build) over the RSS before it, its list of hashes already in
  memory. That includes the copy of the hashes bbhash makes (a C++ vector).
"""

import argparse
import gc
import os
import pickle
import statistics
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import mmh3
import numpy as np

from sklearn_compress import MinimalPerfectHash
from sklearn_compress.mph import hash_keys

from ._common import fresh_copies, module_output, timed

try:
    import bbhash
except ImportError:  # the table then shows only ours and the dict
    bbhash = None

TARGET_N = 10_000_000
TARGET_BITS_PER_KEY = 3.1
TARGET_LOOKUP_VS_BBHASH = 0.7
TARGET_LOOKUP_VS_DICT = 3.0
TARGET_BUILD_BYTES_PER_KEY = 64
HASH_BYTES_PER_KEY = 16  # ours keeps one 128-bit hash per key while building

# -- deterministic feature strings ------------------------------------------

_SYLLABLES = (
    "a", "an", "ar", "ay", "ba", "be", "ch", "co", "de", "di", "el", "en", "er", "es", "fa",
    "go", "ha", "in", "ing", "ka", "la", "le", "lo", "ma", "me", "mo", "na", "ne", "on", "or",
    "pa", "pl", "qu", "ra", "re", "ri", "ro", "sa", "se", "sh", "st", "ta", "te", "th", "the",
    "ti", "to", "tr", "un", "us", "ve", "vo", "wa", "wi", "ya", "ze",
    # Non-ASCII: hashing must see their UTF-8 bytes, which costs an encode.
    "é", "è", "ü", "ö", "ñ", "ß", "ça", "ø", "да", "ки", "мо", "東", "京", "の", "ラ", "メ",
)


def _words(n_words, rng):
    """``n_words`` distinct made-up words of one to four syllables, some capitalized."""
    syllables = np.array(_SYLLABLES, dtype=object)
    words = {}
    while len(words) < n_words:
        lengths = rng.integers(1, 5, size=n_words)
        picks = syllables[rng.integers(0, len(syllables), size=(n_words, 4))]
        for row, length in zip(picks, lengths, strict=True):
            words["".join(row[:length])] = None
    words = np.array(list(words)[:n_words], dtype=object)
    capitalized = rng.random(n_words) < 0.1
    words[capitalized] = [w.capitalize() for w in words[capitalized]]
    return words


def _candidate_features(words, n, rng):
    """About ``n`` feature strings in a typical NLU mix (with repeats)."""
    # Squaring a uniform draw skews word choice towards the frequent words.
    def pick(m):
        return words[(len(words) * rng.random(m) ** 2).astype(np.int64)]

    n_uni, n_bi, n_tri, n_aff, n_num = (int(n * share) for share in (0.15, 0.5, 0.2, 0.05, 0.1))
    features = [f"w={w}" for w in pick(n_uni)]
    features += [f"b={a} {b}" for a, b in zip(pick(n_bi), pick(n_bi), strict=True)]
    features += [f"t={a}_{b}_{c}" for a, b, c in zip(pick(n_tri), pick(n_tri), pick(n_tri),
                                                      strict=True)]
    features += [f"suffix3={w[-3:]}|prefix2={w[:2]}" for w in pick(n_aff)]
    features += [f"num={x}" for x in rng.integers(0, 10**9, size=n_num).tolist()]
    return features


def feature_keys(n, seed=0):
    """``n`` distinct feature strings, the same for the same ``(n, seed)``."""
    rng = np.random.default_rng(seed)
    words = _words(max(1000, n // 8), rng)
    keys = {}
    while len(keys) < n:
        keys.update(dict.fromkeys(_candidate_features(words, n - len(keys) + 1000, rng)))
    return list(keys)[:n]


# -- the structures ----------------------------------------------------------


def batch_hash64(keys):
    """First 64-bit half of each key's MurmurHash3 x64 128 (writable uint64 array).

    That is ``mmh3.hash64(key, signed=False)[0]``, computed by our own chunked
    batch hasher so that bbhash pays exactly what ours pays for hashing.
    """
    return hash_keys(keys)[:, 0].copy()


@contextmanager
def stdout_silenced():
    """Silence C++ output (bbhash prints statistics on save) at the file-descriptor level."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


@dataclass
class Contender:
    """One structure under test: how to build it, look keys up and size it."""

    name: str
    build: callable  # keys -> built structure
    lookup_batch: callable  # (structure, keys) -> slots
    lookup_one: callable  # structure -> (key -> slot)
    saved_bytes: callable  # structure -> int
    memory_bytes: callable = None  # structure -> int, in memory (None: n/a)
    peak_build_bytes: callable = None  # (keys, hashes_path) -> bytes, or None for n/a
    gamma: float = None
    built: object = None
    results: dict = field(default_factory=dict)


def _ours(gamma, fingerprint_bits):
    return Contender(
        name=f"ours gamma={gamma:g} fp={fingerprint_bits}",
        build=lambda keys: MinimalPerfectHash.build(
            keys, gamma=gamma, fingerprint_bits=fingerprint_bits),
        lookup_batch=lambda mph, keys: mph.lookup(keys),
        lookup_one=lambda mph: mph.get,
        saved_bytes=lambda mph: len(mph.to_bytes()),
        memory_bytes=lambda mph: mph.nbytes,
        peak_build_bytes=lambda keys, _: _traced_peak(
            lambda: MinimalPerfectHash.build(keys, gamma=gamma, fingerprint_bits=fingerprint_bits)),
        gamma=gamma,
    )


def _dict_build(keys):
    return {key: slot for slot, key in enumerate(keys)}


def _dict():
    return Contender(
        name="dict {key: i}",
        build=_dict_build,
        lookup_batch=lambda table, keys: list(map(table.__getitem__, keys)),
        lookup_one=lambda table: table.__getitem__,
        saved_bytes=lambda table: len(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL)),
        peak_build_bytes=lambda keys, _: _traced_peak(lambda: _dict_build(keys)),
    )


def _bbhash_build(keys, gamma):
    return bbhash.PyMPHF(batch_hash64(keys).tolist(), len(keys), 1, gamma)


def _bbhash_lookup_one(mphf):
    lookup, hash64 = mphf.lookup, mmh3.hash64

    def lookup_one(key):
        return lookup(hash64(key, signed=False)[0])

    return lookup_one


def _bbhash_saved_bytes(mphf):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mphf.bin")
        with stdout_silenced():
            mphf.save(path)
        return os.path.getsize(path)


def _bbhash(gamma):
    return Contender(
        name=f"bbhash gamma={gamma:g} (1 thread)",
        build=lambda keys: _bbhash_build(keys, gamma),
        lookup_batch=lambda mphf, keys: mphf.lookup_many(batch_hash64(keys)),
        lookup_one=_bbhash_lookup_one,
        saved_bytes=_bbhash_saved_bytes,
        memory_bytes=lambda mphf: _bbhash_memory_bits(mphf) // 8,
        peak_build_bytes=lambda _, hashes_path: _bbhash_peak_in_subprocess(hashes_path, gamma),
        gamma=gamma,
    )


def _bbhash_memory_bits(mphf):
    with stdout_silenced():
        return mphf.get_mem()


# -- memory ------------------------------------------------------------------


def _traced_peak(build):
    """Peak bytes traced while ``build()`` runs, above what was live before."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        built = build()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del built
    return peak - before


def _proc_status_bytes(field_name):
    """``VmRSS`` (resident now) or ``VmHWM`` (peak resident) of this process, in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"{field_name} not in /proc/self/status")


def _reset_peak_rss():
    """Make VmHWM restart from the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _bbhash_peak_in_subprocess(hashes_path, gamma):
    """Run :func:`_bbhash_peak_child` in a fresh interpreter; None if it can't tell."""
    output = module_output(__spec__.name, "--bbhash-peak-child", hashes_path, gamma).split()
    return None if output[-1] == "n/a" else int(output[-1])


def _bbhash_peak_child(hashes_path, gamma):
    # Read the hashes in small chunks so that the process's peak RSS before the
    # build is the list itself, not a transient copy that could hide the build.
    # The list is sized up front: growing it would leave a transient peak.
    chunk_keys = 1 << 16
    hashes = [0] * (os.path.getsize(hashes_path) // 8)
    with open(hashes_path, "rb") as source:
        for start in range(0, len(hashes), chunk_keys):
            chunk = np.frombuffer(source.read(8 * chunk_keys), dtype="<u8")
            hashes[start:start + len(chunk)] = chunk.tolist()
    gc.collect()
    # Not ru_maxrss: Linux carries it over from the parent across fork/exec,
    # so in a child of a large benchmark process it never moves. VmHWM belongs
    # to this process image and can be reset to the current RSS.
    rss_before = _proc_status_bytes("VmRSS")
    clean_start = _reset_peak_rss() or _proc_status_bytes("VmHWM") <= rss_before
    mphf = bbhash.PyMPHF(hashes, len(hashes), 1, gamma)
    peak = _proc_status_bytes("VmHWM")
    del mphf
    print(peak - rss_before if clean_start else "n/a")


# -- timing ------------------------------------------------------------------


def _single_ns(lookup_one, keys):
    start = time.perf_counter()
    for key in keys:
        lookup_one(key)
    return (time.perf_counter() - start) / len(keys) * 1e9


def _check_slots(contender, slots, n):
    slots = np.asarray(slots, dtype=np.int64)
    if len(np.unique(slots)) != len(slots) or slots.min() < 0 or slots.max() >= n:
        raise AssertionError(f"{contender.name}: lookups are not distinct slots in [0, {n})")


def _time_repeat(contenders, keys, queries, singles):
    """One repeat: every contender built and queried once, on fresh strings."""
    n = len(keys)
    for contender in contenders:
        build_keys = fresh_copies(keys)
        gc.collect()
        seconds, contender.built = timed(lambda c=contender, k=build_keys: c.build(k))
        del build_keys
        contender.results.setdefault("build_s", []).append(seconds)
    for contender in contenders:
        batch = fresh_copies(queries)
        seconds, slots = timed(lambda c=contender, b=batch: c.lookup_batch(c.built, b))
        _check_slots(contender, slots, n)
        contender.results.setdefault("batch_s", []).append(seconds)
        single_ns = _single_ns(contender.lookup_one(contender.built), fresh_copies(singles))
        contender.results.setdefault("single_ns", []).append(single_ns)


def _measure_memory(contenders, keys, tmp):
    hashes_path = Path(tmp) / "hashes.u64"
    batch_hash64(keys).astype("<u8").tofile(hashes_path)
    for contender in contenders:
        contender.results["saved_bytes"] = contender.saved_bytes(contender.built)
        contender.results["memory_bytes"] = (
            contender.memory_bytes(contender.built) if contender.memory_bytes else None)
    for contender in contenders:
        contender.built = None  # free before measuring peaks
    for contender in contenders:
        gc.collect()
        contender.results["peak_build_bytes"] = contender.peak_build_bytes(keys, hashes_path)


def run(n, repeats, batch_size, n_single, seed=0):
    print(f"\n## N = {n:,} keys  (repeats={repeats}, batch={batch_size:,}, "
          f"single={n_single:,})", flush=True)
    start = time.perf_counter()
    keys = feature_keys(n, seed)
    print(f"generated keys in {time.perf_counter() - start:.1f} s; e.g. "
          f"{', '.join(repr(k) for k in keys[:: max(1, n // 6)][:6])}", flush=True)
    rng = np.random.default_rng(seed + 1)
    queries = [keys[i] for i in rng.choice(n, size=min(batch_size, n), replace=False)]
    singles = queries[:n_single]
    contenders = [_ours(gamma, bits) for gamma in (1.0, 2.0) for bits in (0, 8)]
    contenders.append(_dict())
    if bbhash is not None:
        contenders += [_bbhash(1.0), _bbhash(2.0)]
    for repeat in range(repeats):
        _time_repeat(contenders, keys, queries, singles)
        print(f"repeat {repeat + 1}/{repeats} done at {time.perf_counter() - start:.0f} s",
              flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        _measure_memory(contenders, keys, tmp)
    summary = _summarize(contenders, n, len(queries))
    print(_table(summary))
    print(f"(total {time.perf_counter() - start:.0f} s)")
    return summary


# -- report ------------------------------------------------------------------


def _summarize(contenders, n, n_queries):
    rows = {}
    for contender in contenders:
        results = contender.results
        rows[contender.name] = {
            "gamma": contender.gamma,
            "build_keys_s": n / statistics.median(results["build_s"]),
            "peak_build_b_key": _per_key(results["peak_build_bytes"], n),
            "saved_bits_key": 8 * results["saved_bytes"] / n,
            "memory_bits_key": _per_key(results["memory_bytes"], n, 8),
            "batch_keys_s": n_queries / statistics.median(results["batch_s"]),
            "single_ns": statistics.median(results["single_ns"]),
        }
    return {"n": n, "rows": rows}


def _per_key(total, n, scale=1):
    return None if total is None else scale * total / n


def _bbhash_row(rows, gamma):
    return rows.get(f"bbhash gamma={gamma:g} (1 thread)")


def _ratio(value, reference):
    return "n/a" if reference is None or value is None else f"{value / reference:.2f}x"


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def _table(summary):
    rows = summary["rows"]
    dict_row = rows["dict {key: i}"]
    header = ("| structure | build Mkeys/s | peak build B/key | saved bits/key "
              "| in-memory bits/key | batch lookup Mkeys/s | single lookup ns | build vs bbhash "
              "| batch vs bbhash | batch vs dict | single vs dict |")
    lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for name, row in rows.items():
        bb = _bbhash_row(rows, row["gamma"]) if row["gamma"] is not None else None
        lines.append(
            f"| {name} | {row['build_keys_s'] / 1e6:.2f} | {_fmt(row['peak_build_b_key'], '.1f')} "
            f"| {row['saved_bits_key']:.2f} | {_fmt(row['memory_bits_key'], '.2f')} "
            f"| {row['batch_keys_s'] / 1e6:.2f} | {row['single_ns']:.0f} "
            f"| {_ratio(row['build_keys_s'], bb and bb['build_keys_s'])} "
            f"| {_ratio(row['batch_keys_s'], bb and bb['batch_keys_s'])} "
            f"| {_ratio(row['batch_keys_s'], dict_row['batch_keys_s'])} "
            f"| {_ratio(dict_row['single_ns'], row['single_ns'])} |"
        )
    return "\n".join(lines)


def _target_checks(summary):
    """(description, met) for each target; bbhash comparisons at the same gamma."""
    rows = summary["rows"]
    dict_row = rows["dict {key: i}"]
    checks = []
    base = rows["ours gamma=1 fp=0"]
    checks.append((f"bits/key as saved at gamma=1, fp=0: {base['saved_bits_key']:.2f} "
                   f"<= {TARGET_BITS_PER_KEY}", base["saved_bits_key"] <= TARGET_BITS_PER_KEY))
    for name, row in rows.items():
        if not name.startswith("ours"):
            continue
        bb = _bbhash_row(rows, row["gamma"])
        if bb is not None:
            build_ratio = row["build_keys_s"] / bb["build_keys_s"]
            checks.append((f"{name}: build {build_ratio:.2f}x bbhash >= 1", build_ratio >= 1))
            batch_ratio = row["batch_keys_s"] / bb["batch_keys_s"]
            checks.append((f"{name}: batch lookup {batch_ratio:.2f}x bbhash "
                           f">= {TARGET_LOOKUP_VS_BBHASH}", batch_ratio >= TARGET_LOOKUP_VS_BBHASH))
        dict_ratio = row["batch_keys_s"] / dict_row["batch_keys_s"]
        checks.append((f"{name}: batch lookup {dict_ratio:.2f}x dict >= {TARGET_LOOKUP_VS_DICT}",
                       dict_ratio >= TARGET_LOOKUP_VS_DICT))
        above_hashes = row["peak_build_b_key"] - HASH_BYTES_PER_KEY
        checks.append((f"{name}: peak build {above_hashes:.1f} B/key on top of the "
                       f"{HASH_BYTES_PER_KEY} B/key hashes < {TARGET_BUILD_BYTES_PER_KEY}",
                       above_hashes < TARGET_BUILD_BYTES_PER_KEY))
    return checks


def _print_targets(summary):
    n = summary["n"]
    note = "" if n == TARGET_N else f" (targets are defined at N = {TARGET_N:,}; this is N = {n:,})"
    print(f"\nTargets{note}:")
    for description, met in _target_checks(summary):
        print(f"  [{'MET ' if met else 'MISS'}] {description}")


def _parse_n(text):
    value = float(text)
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"--n must be a positive integer, got {text!r}")
    return int(value)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=_parse_n, nargs="+", default=[100_000],
                        help="number(s) of keys, e.g. --n 1e5 1e6 1e7 (default 1e5)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timing repeats (default 5, or 3 when N >= 1e7)")
    parser.add_argument("--batch", type=_parse_n, default=1_000_000,
                        help="keys per batch lookup (at most N; default 1e6)")
    parser.add_argument("--single", type=_parse_n, default=100_000,
                        help="keys timed one at a time (default 1e5)")
    parser.add_argument("--bbhash-peak-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bbhash_peak_child:
        path, gamma = args.bbhash_peak_child
        _bbhash_peak_child(path, float(gamma))
        return
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"bbhash {'available' if bbhash else 'not installed'}, {os.cpu_count()} cpus")
    for n in args.n:
        repeats = args.repeats or (3 if n >= TARGET_N else 5)
        summary = run(n, repeats, args.batch, min(args.single, n))
        _print_targets(summary)


if __name__ == "__main__":
    main()
