import hashlib
import mmap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_compress.mph._hashing import (
    fingerprints,
    hash_buffer,
    hash_key,
    hash_keys,
    level_positions,
    utf8_bytes,
)

# MurmurHash3 x64 128 of key.encode("utf-8", "surrogatepass") as computed by
# the mmh3 package (mmh3.hash64(data, seed, signed=False)), the hashing path of
# every model saved before the compiled kernels: these must never change, or
# saved hashes stop finding their keys.
# "Unicode" in Fraktur letters, outside the BMP: 4 UTF-8 bytes each.
FRAKTUR = "".join(map(chr, [0x1D518, 0x1D52B, 0x1D526, 0x1D520, 0x1D52C, 0x1D521, 0x1D522]))
GOLDEN = [
    (0, "", 0x0000000000000000, 0x0000000000000000),
    (0, "a", 0x85555565F6597889, 0xE6B53A48510E895A),
    (0, "ab", 0x938B11EA16ED1B2E, 0xE65EA7019B52D4AD),
    (0, "play", 0xA45A86B5871711AE, 0xABA81A260C134E02),
    (0, "héllo", 0x4E317B1172855C8A, 0x419D33DC9473BD05),
    (0, "caf\udce9", 0xBE91FE5EDE8936FD, 0xB0CDFE5600376309),
    (0, "\ud800", 0xE93578E696FC5908, 0xA679A016DA47AFD5),
    (0, "\udfff\ud800", 0xE857618DDEE2A6CB, 0xA459A3FF981BC8A8),
    (0, "a\x00b", 0x2DEF92D2C1E6B5DB, 0xA3A9F0D0B307B2B4),
    (0, "\x00", 0x4610ABE56EFF5CB5, 0x51622DAA78F83583),
    (0, "\U0001f600", 0x156DB15587E0545C, 0x292E083FCFE104BA),
    (0, FRAKTUR, 0x0A541658D6CDD3F4, 0x547040E5FD5A7A6A),
    (0, "\ufb01", 0x18FA4BC8A819506A, 0x320188D9FF292F9F),
    (0, "日本語のテキスト", 0xE8D3AC652A560CAA, 0xA4C4E6415667B49E),
    (0, "w=0123456789abcde", 0xBBACA2191A445176, 0x95AC0B99F1CE3411),
    (0, "x" * 31, 0x887B5E1ECBC9BA74, 0x1899ACD5E8E69DB3),
    (0, "y" * 33, 0x2DE681D35D5BCFDD, 0x024AD3434927025F),
    (0, "word_bigram=turn on|the lights", 0x729598282ED648B8, 0xC39F241D1D397ABF),
    (0, b"", 0x0000000000000000, 0x0000000000000000),
    (0, b"\xff\xfe\x00", 0xDE699128F27519AE, 0xE2DA6A626CBE284E),
    (0, b"caf\xed\xb3\xa9", 0xBE91FE5EDE8936FD, 0xB0CDFE5600376309),
    (123456789, "", 0x70B2A7C0620EA281, 0xCFAFF36A036DCEDB),
    (123456789, "a", 0xA1449D93C4E6FDA1, 0x2360AA8DB2D0A85A),
    (123456789, "ab", 0x3F806839DDF8901A, 0x4F252B774A39ED1A),
    (123456789, "play", 0xA35EC5EA14BA0126, 0xEA9673E384A46362),
    (123456789, "héllo", 0xC835F14C7DC94495, 0x7FF428BCA1B52C16),
    (123456789, "caf\udce9", 0x4468CA4FB610599A, 0xAC60EE9817192587),
    (123456789, "\ud800", 0xC97C63CB8824B301, 0x74201DB03A99416F),
    (123456789, "\udfff\ud800", 0x155727EE0B1AD8BC, 0xF2984D9692023239),
    (123456789, "a\x00b", 0x2DBE693B72700E30, 0x0FFFF179710F01AA),
    (123456789, "\x00", 0x9E12BB24CF50CAD1, 0x1B4AB5961BF6C997),
    (123456789, "\U0001f600", 0xC98864F157A994C5, 0x6B5E192B7DEE2616),
    (123456789, FRAKTUR, 0x218C1C636299095A, 0xD77D5A30E7486E3C),
    (123456789, "\ufb01", 0xF340BD38857A6275, 0xB0E8AE612B58BF8C),
    (123456789, "日本語のテキスト", 0x2EDA925D531635D1, 0x06D882517CE0B57C),
    (123456789, "w=0123456789abcde", 0x32A1EAB190AB9005, 0xC1D0464018360DD3),
    (123456789, "x" * 31, 0x3B3CED35C15E02F9, 0xD54758DFEC331BD7),
    (123456789, "y" * 33, 0x6717512B1FC823C2, 0xE90A178A83C66968),
    (123456789, "word_bigram=turn on|the lights", 0x5C9FEA31DCA48B93, 0x4A3DEAE3E389DBC6),
    (123456789, b"", 0x70B2A7C0620EA281, 0xCFAFF36A036DCEDB),
    (123456789, b"\xff\xfe\x00", 0x28552149C6AC3DA2, 0x8FD33B1FC9E2F3AA),
    (123456789, b"caf\xed\xb3\xa9", 0x4468CA4FB610599A, 0xAC60EE9817192587),
]


@pytest.mark.parametrize(("seed", "key", "h1", "h2"), GOLDEN)
def test_hashes_are_those_of_saved_models(seed, key, h1, h2):
    assert hash_key(key, seed) == (h1, h2)
    assert hash_keys([key], seed).tolist() == [[h1, h2]]


def _length_sweep():
    """Keys of 0-69 bytes and more (every tail length, 0-4 blocks): ASCII,
    two-byte characters, and a lone surrogate first."""
    return [("é" * (n // 2) + "k" * (n % 2)) if n % 3 == 0
            else ("\udc80" + "k" * n if n % 3 == 1 else "k" * n) for n in range(70)]


@pytest.mark.parametrize(("seed", "digest"), [
    (0, "921227eb4d653d2943bb9fe461e069248f262e823ce185cd70a7b8b78c080a51"),
    (2**32 - 1, "5af6d2c768af8c20104c846abe4c70b0af486ca659cea8b3239bc513a63b45b7"),
])
def test_hashes_of_every_length_are_those_of_saved_models(seed, digest):
    # SHA-256 of the 16-byte hashes (h1, h2 little-endian) as mmh3.hash_bytes gave them.
    hashes = hash_keys(_length_sweep(), seed)
    assert hashlib.sha256(hashes.astype("<u8").tobytes()).hexdigest() == digest
    assert [hash_key(key, seed) for key in _length_sweep()] == [tuple(r) for r in hashes.tolist()]


# Any code point, lone surrogates and NUL often; 1-, 2- and 4-byte str kinds.
ANY_TEXT = st.text(st.one_of(st.characters(exclude_categories=()),
                             st.sampled_from("\udce9\ud800\udfff\x00é\U0001f600")))


@settings(max_examples=300, deadline=None)
@given(st.lists(ANY_TEXT | st.binary(), max_size=20), st.integers(0, 2**32 - 1))
def test_str_is_hashed_as_its_surrogatepass_utf8_bytes(keys, seed):
    encoded = [utf8_bytes(key) for key in keys]
    np.testing.assert_array_equal(hash_keys(keys, seed), hash_keys(encoded, seed))
    assert [hash_key(key, seed) for key in keys] == [hash_key(key, seed) for key in encoded]


def test_mmh3_gives_the_same_hashes():
    mmh3 = pytest.importorskip("mmh3")
    rng = np.random.default_rng(0)
    # Up to 1200 code points: past the 256 encoded on the stack.
    keys = ["".join(map(chr, rng.integers(0, 0x10FFFF, size=n))) for n in range(0, 1200, 7)]
    for seed in (0, 7, 2**32 - 1):
        expected = [mmh3.hash64(utf8_bytes(key), seed, signed=False) for key in keys]
        assert [tuple(row) for row in hash_keys(keys, seed).tolist()] == expected


@pytest.mark.parametrize(("seed", "key", "h1", "h2"),
                         [golden for golden in GOLDEN if isinstance(golden[1], bytes)])
def test_buffer_hash_is_the_key_hash_of_the_same_bytes(seed, key, h1, h2):
    # The file digest: h1 then h2, each little-endian (mmh3.hash_bytes's order).
    assert hash_buffer(key, seed) == h1.to_bytes(8, "little") + h2.to_bytes(8, "little")


def test_buffer_hash_reads_any_contiguous_buffer_in_place(tmp_path):
    data = np.random.default_rng(0).integers(0, 256, size=100_003, dtype=np.uint8).tobytes()
    path = tmp_path / "data"
    path.write_bytes(data)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped, \
            memoryview(mapped) as view:
        for end in (0, 1, 15, 16, 17, 100_003):
            assert hash_buffer(view[:end]) == hash_buffer(data[:end])
            assert hash_keys([data[:end]]).astype("<u8").tobytes() == hash_buffer(data[:end])
    mmh3 = pytest.importorskip("mmh3")
    assert hash_buffer(data, 7) == mmh3.hash_bytes(data, 7)


def test_hash_keys_grows_past_its_first_buffer_for_a_generator():
    keys = (str(i) for i in range(200_000))
    hashes = hash_keys(keys, seed=1)
    assert hashes.shape == (200_000, 2)
    assert tuple(hashes[123_456].tolist()) == hash_key("123456", 1)
    assert hash_keys(iter([]), seed=1).shape == (0, 2)


@pytest.mark.parametrize("bad", [1, None, bytearray(b"a")])
def test_hash_of_a_non_key_raises_type_error_naming_it(bad):
    message = f"keys must be str or bytes, got {type(bad).__name__}"
    with pytest.raises(TypeError, match=message):
        hash_key(bad)
    with pytest.raises(TypeError, match=message):
        hash_keys(["a", bad])


def _reference_position(h1, h2, level, n_bits):
    """The documented formula in plain Python: fmix64(h1 + level * h2) -> [0, n_bits)."""
    mask = 2**64 - 1
    x = (h1 + level * h2) & mask
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & mask
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & mask
    x ^= x >> 33
    return ((x >> 32) * n_bits) >> 32


@pytest.mark.parametrize("n_bits", [64, 1000, 2**31, 2**32 - 64])
def test_level_positions_follow_the_documented_formula(n_bits):
    hashes = hash_keys([f"k{i}" for i in range(500)], seed=0)
    for level in (0, 1, 17, 47):
        positions = level_positions(hashes[:, 0], hashes[:, 1], level, n_bits)
        assert positions.max() < n_bits
        expected = [_reference_position(a, b, level, n_bits) for a, b in hashes.tolist()]
        assert positions.tolist() == expected


def test_levels_are_not_correlated():
    hashes = hash_keys([f"k{i}" for i in range(20_000)], seed=0)
    first = level_positions(hashes[:, 0], hashes[:, 1], 0, 1024)
    second = level_positions(hashes[:, 0], hashes[:, 1], 1, 1024)
    # Keys sharing a level-0 position should spread over level 1.
    same = first == first[0]
    assert len(np.unique(second[same])) >= same.sum() - 2


def test_fingerprints_are_top_bits():
    h2 = np.array([2**64 - 1, 2**63, 0], dtype=np.uint64)
    assert fingerprints(h2, 1).tolist() == [1, 1, 0]
    assert fingerprints(h2, 8).tolist() == [255, 128, 0]
    assert fingerprints(h2, 0).tolist() == [0, 0, 0]
