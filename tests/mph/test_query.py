import pickle
import random
import threading
import tracemalloc

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_compress import MinimalPerfectHash
from sklearn_compress.mph import _build, hash_keys


def feature_keys(n, prefix="w="):
    return [f"{prefix}{i}" for i in range(n)]


def assert_bijection(mph, keys):
    slots = mph.lookup(keys)
    assert slots.dtype == np.int64
    assert len(mph) == len(keys)
    np.testing.assert_array_equal(np.sort(slots), np.arange(len(keys)))
    return slots


def _results_in_threads(call, n_threads=4, repeats=5):
    """``call()``'s results from ``n_threads`` threads running at once, ``repeats`` each."""
    results, errors = [], []

    def work():
        try:
            for _ in range(repeats):
                results.append(call())
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == n_threads * repeats
    return results


@pytest.mark.parametrize("n", [0, 1, 2, 1000])
@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1])
@pytest.mark.parametrize("gamma", [1.0, 1.5, 2.0])
def test_bijection_small(n, seed, gamma):
    keys = feature_keys(n)
    mph = MinimalPerfectHash.build(keys, gamma=gamma, seed=seed)
    assert_bijection(mph, keys)


@pytest.mark.parametrize(("gamma", "fingerprint_bits"), [(1.0, 0), (2.0, 8)])
def test_bijection_200k(gamma, fingerprint_bits):
    keys = feature_keys(200_000)
    mph = MinimalPerfectHash.build(keys, gamma=gamma, fingerprint_bits=fingerprint_bits, seed=7)
    assert_bijection(mph, keys)


def test_compact_at_gamma_one_without_fingerprints():
    mph = MinimalPerfectHash.build(feature_keys(200_000), fingerprint_bits=0)
    # theory: e bits/key for the levels, 1/16 bit per bit for the rank directory
    assert mph.bits_per_key <= 3.1
    assert len(mph.to_bytes()) * 8 / len(mph) <= 2.95


AWKWARD_KEYS = [
    "", "a", "b", "ab", "ba", "a\x00", "\x00", "0", "00", "1", "1.0", "-1", "1e3", "NaN",
    "x" * 10_000, "x" * 10_001, "é", "e\u0301", "日本語", "😀", "\U0010ffff", " ", "\t", "\n",
    b"\xff\xfe", b"\x00\x01", "key=value", "key=valuf",
] + [f"{i:020d}" for i in range(200)]


@pytest.mark.parametrize("seed", range(5))
def test_bijection_awkward_keys(seed):
    mph = MinimalPerfectHash.build(AWKWARD_KEYS, seed=seed, fingerprint_bits=16)
    slots = assert_bijection(mph, AWKWARD_KEYS)
    assert [mph.get(k) for k in AWKWARD_KEYS] == slots.tolist()


def test_str_is_hashed_as_utf8_bytes():
    mph = MinimalPerfectHash.build(["héllo", "world"])
    assert mph.get("héllo".encode()) == mph.get("héllo")
    with pytest.raises(ValueError, match="1 duplicate keys"):
        MinimalPerfectHash.build(["héllo", "héllo".encode()])


def test_build_consumes_a_generator_once():
    keys = (f"g{i}" for i in range(5000))
    mph = MinimalPerfectHash.build(keys)
    assert_bijection(mph, [f"g{i}" for i in range(5000)])


def test_get_matches_lookup_for_members_and_strangers():
    keys = feature_keys(20_000)
    strangers = feature_keys(20_000, prefix="nope=")
    for bits in (0, 4, 8, 13, 32):
        mph = MinimalPerfectHash.build(keys, fingerprint_bits=bits)
        for batch in (keys, strangers):
            assert [mph.get(k) for k in batch[:3000]] == mph.lookup(batch[:3000]).tolist()


def test_get_default():
    mph = MinimalPerfectHash.build(["a"], fingerprint_bits=32)
    assert mph.get("zzz", None) is None


def test_order_of_keys_does_not_change_the_hash():
    keys = feature_keys(30_000)
    shuffled = keys[:]
    random.Random(0).shuffle(shuffled)
    a = MinimalPerfectHash.build(keys, seed=3)
    b = MinimalPerfectHash.build(shuffled, seed=3)
    assert a.to_bytes() == b.to_bytes()
    assert pickle.dumps(a) == pickle.dumps(b)
    c = MinimalPerfectHash.build(keys, seed=4)
    assert a.to_bytes() != c.to_bytes()


@pytest.mark.parametrize("bits", [4, 8])
def test_fingerprint_false_positive_rate(bits):
    mph = MinimalPerfectHash.build(feature_keys(50_000), fingerprint_bits=bits)
    strangers = feature_keys(100_000, prefix="unseen=")
    accepted = int((mph.lookup(strangers) >= 0).sum())
    p = 2.0**-bits
    mean, sigma = len(strangers) * p, np.sqrt(len(strangers) * p * (1 - p))
    assert abs(accepted - mean) <= 5 * sigma


def test_zero_fingerprint_bits_gives_slots_to_strangers():
    mph = MinimalPerfectHash.build(feature_keys(1000), fingerprint_bits=0)
    slots = mph.lookup(feature_keys(1000, prefix="unseen="))
    # Without fingerprints a stranger is rejected only when it misses a set
    # bit at every level (a few percent: the last levels are sparse).
    assert (slots >= 0).mean() > 0.9
    assert slots.min() >= -1
    assert slots.max() < 1000


def round_trips(mph, tmp_path):
    yield pickle.loads(pickle.dumps(mph))
    joblib.dump(mph, tmp_path / "mph.joblib")
    yield joblib.load(tmp_path / "mph.joblib")
    yield MinimalPerfectHash.from_bytes(mph.to_bytes())


@pytest.mark.parametrize("bits", [0, 5, 8, 16])
def test_round_trips_give_identical_lookups(tmp_path, bits):
    keys = feature_keys(5000)
    strangers = feature_keys(5000, prefix="unseen=")
    mph = MinimalPerfectHash.build(keys, fingerprint_bits=bits, gamma=1.3, seed=11)
    for copy in round_trips(mph, tmp_path):
        for batch in (keys, strangers):
            np.testing.assert_array_equal(copy.lookup(batch), mph.lookup(batch))
        assert copy.get(keys[17]) == mph.get(keys[17])
        assert (copy.nbytes, copy.n_levels, copy.seed, copy.gamma) == (
            mph.nbytes, mph.n_levels, mph.seed, mph.gamma)


def test_pickle_holds_only_numpy_arrays_and_numbers():
    state = MinimalPerfectHash.build(feature_keys(100)).__getstate__()
    for value in state.values():
        assert isinstance(value, (np.ndarray, int, float))


def test_fallback_table_when_levels_run_out(monkeypatch, tmp_path):
    monkeypatch.setattr(_build, "MAX_LEVELS", 2)
    keys = feature_keys(3000)
    mph = MinimalPerfectHash.build(keys, fingerprint_bits=8)
    assert mph.n_levels == 2
    assert mph.n_fallback > 0
    slots = assert_bijection(mph, keys)
    assert [mph.get(k) for k in keys] == slots.tolist()
    strangers = feature_keys(3000, prefix="unseen=")
    assert [mph.get(k) for k in strangers] == mph.lookup(strangers).tolist()
    for copy in round_trips(mph, tmp_path):
        np.testing.assert_array_equal(copy.lookup(keys), slots)


def test_fallback_table_costs_no_memory_beyond_its_bytes(monkeypatch):
    # One level leaves ~37% of the keys to the fallback table: it stays the
    # sorted array read from the bytes (binary search), not a dict of tuples
    # (~150 bytes per key where the file holds 16).
    monkeypatch.setattr(_build, "MAX_LEVELS", 1)
    keys = feature_keys(20_000)
    blob = MinimalPerfectHash.build(keys, fingerprint_bits=8).to_bytes()
    tracemalloc.start()
    try:
        copy = MinimalPerfectHash.from_bytes(blob)
        allocated, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert copy.n_fallback > 5000
    assert allocated < 1.2 * len(blob) + 10_000
    assert (copy.lookup(keys) >= 0).all()


def test_duplicates_raise_by_default():
    with pytest.raises(ValueError, match=r"2 duplicate keys .* duplicates='drop'"):
        MinimalPerfectHash.build(["a", "b", "a", "c", "b"])


def test_duplicates_drop_keeps_one_slot_per_key():
    keys = ["a", "b", "a", "c", "b", "a"]
    mph = MinimalPerfectHash.build(keys, duplicates="drop")
    assert len(mph) == 3
    assert sorted(mph.lookup(["a", "b", "c"]).tolist()) == [0, 1, 2]


@pytest.mark.parametrize("bad", [1, None, 2.5, ("a",), ["a"]])
def test_non_string_key_raises_type_error_naming_its_type(bad):
    with pytest.raises(TypeError, match=f"keys must be str or bytes, got {type(bad).__name__}"):
        MinimalPerfectHash.build(["ok", bad])
    mph = MinimalPerfectHash.build(["ok"])
    with pytest.raises(TypeError, match=f"got {type(bad).__name__}"):
        mph.lookup([bad])
    with pytest.raises(TypeError, match=f"got {type(bad).__name__}"):
        mph.get(bad)


def test_single_string_is_not_an_iterable_of_keys():
    with pytest.raises(TypeError, match="not a single str"):
        MinimalPerfectHash.build("abc")


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"gamma": 0.99}, ValueError, r"gamma must be in \[1, 100\]"),
        ({"gamma": float("nan")}, ValueError, "gamma must be in"),
        ({"gamma": "2"}, TypeError, "gamma must be a real number"),
        ({"fingerprint_bits": 33}, ValueError, r"fingerprint_bits must be in \[0, 32\]"),
        ({"fingerprint_bits": -1}, ValueError, "fingerprint_bits must be in"),
        ({"fingerprint_bits": 8.0}, TypeError, "fingerprint_bits must be an integer"),
        ({"seed": -1}, ValueError, "seed must be in"),
        ({"seed": 2**32}, ValueError, "seed must be in"),
        ({"duplicates": "ignore"}, ValueError, "duplicates must be one of"),
    ],
)
def test_bad_parameters(params, error, message):
    with pytest.raises(error, match=message):
        MinimalPerfectHash.build(["a"], **params)


def test_build_from_hashes_rejects_other_arrays():
    with pytest.raises(ValueError, match=r"uint64 array of shape \(n, 2\)"):
        MinimalPerfectHash.build_from_hashes(np.zeros((3, 2), dtype=np.int64))


def test_sizes_are_reported():
    mph = MinimalPerfectHash.build(feature_keys(10_000), fingerprint_bits=8)
    assert mph.nbytes >= 10_000  # at least the 8-bit fingerprints
    assert mph.bits_per_key == pytest.approx(8 * mph.nbytes / 10_000)
    assert mph.n_levels >= 5
    assert "n_keys=10000" in repr(mph)
    assert MinimalPerfectHash.build([]).bits_per_key == 0.0


@settings(max_examples=40, deadline=None)
@given(
    keys=st.sets(st.one_of(st.text(max_size=12), st.binary(max_size=12)), max_size=300),
    seed=st.integers(0, 2**32 - 1),
    gamma=st.floats(1.0, 3.0),
    bits=st.integers(0, 32),
)
def test_property_any_distinct_keys_get_distinct_slots(keys, seed, gamma, bits):
    # str and its UTF-8 bytes are the same key: keep one of each.
    distinct = list({k.encode() if isinstance(k, str) else k: k for k in keys}.values())
    mph = MinimalPerfectHash.build(distinct, seed=seed, gamma=gamma, fingerprint_bits=bits)
    slots = assert_bijection(mph, distinct)
    assert [mph.get(k) for k in distinct] == slots.tolist()
    copy = MinimalPerfectHash.from_bytes(mph.to_bytes())
    np.testing.assert_array_equal(copy.lookup(distinct), slots)


@pytest.mark.parametrize("bits", [0, 1, 3, 7, 8, 12, 16, 17, 31, 32])
def test_one_key_and_batch_lookups_agree(bits):
    # Widths that straddle words exercise the kernel's packed-field reads.
    keys = feature_keys(3000)
    batch = keys[:400] + feature_keys(400, prefix="unseen=")
    mph = MinimalPerfectHash.build(keys, fingerprint_bits=bits)
    slots = mph.lookup(batch)
    assert [mph.get(key) for key in batch] == slots.tolist()
    assert sorted(slots[:400].tolist()) == sorted(set(slots[:400].tolist()))
    strided = np.asfortranarray(hash_keys(batch, mph.seed))  # columns not contiguous rows
    np.testing.assert_array_equal(mph.lookup_hashes(strided), slots)
    if bits >= 12:
        assert (slots[400:] == -1).all()


def test_threads_looking_up_batches_get_the_single_thread_results():
    # The batch walk releases the GIL: 4 threads at once, each several times.
    keys = feature_keys(50_000)
    mph = MinimalPerfectHash.build(keys, fingerprint_bits=8)
    queries = hash_keys(keys + feature_keys(50_000, prefix="unseen="), mph.seed)
    expected = mph.lookup_hashes(queries)
    results = _results_in_threads(
        lambda: (mph.lookup_hashes(queries), hash_keys(keys[:1000], mph.seed)))
    for slots, hashes in results:
        np.testing.assert_array_equal(slots, expected)
        np.testing.assert_array_equal(hashes, queries[:1000])


@pytest.mark.parametrize("n", [0, 1, 511, 512, 513, 1500])
def test_list_lookup_equals_lookup_of_hashes_across_blocks(n):
    # A list is hashed and walked 512 keys at a time; other iterables are hashed first.
    keys = feature_keys(2000)
    mph = MinimalPerfectHash.build(keys, fingerprint_bits=8)
    queries = [*keys[: n // 2], *feature_keys(n - n // 2, prefix="unseen=")]
    queries[::7] = [key.encode() for key in queries[::7]]  # bytes are their own key type
    queries[1::7] = [key + "é" for key in queries[1::7]]  # non-ASCII str
    expected = mph.lookup_hashes(hash_keys(queries, mph.seed))
    slots = mph.lookup(queries)
    assert slots.dtype == np.int64 and slots.shape == (n,)
    np.testing.assert_array_equal(slots, expected)
    np.testing.assert_array_equal(mph.lookup(iter(queries)), expected)


def test_list_lookup_raises_for_a_bad_key_past_the_first_block():
    mph = MinimalPerfectHash.build(["ok"])
    with pytest.raises(TypeError, match="keys must be str or bytes, got int: 7"):
        mph.lookup(["ok"] * 600 + [7])


def test_threads_looking_up_lists_get_the_single_thread_results():
    # Each block's walk releases the GIL: 4 threads at once, each several times.
    keys = feature_keys(20_000)
    mph = MinimalPerfectHash.build(keys, fingerprint_bits=8)
    queries = keys + feature_keys(20_000, prefix="unseen=")
    expected = mph.lookup(queries)
    for slots in _results_in_threads(lambda: mph.lookup(queries)):
        np.testing.assert_array_equal(slots, expected)
