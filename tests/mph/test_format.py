import struct

import numpy as np
import pytest

from sklearn_compress import MinimalPerfectHash
from sklearn_compress.mph import _format


@pytest.fixture(scope="module")
def blob():
    keys = [f"k{i}" for i in range(300)]
    return MinimalPerfectHash.build(keys, fingerprint_bits=6, seed=5).to_bytes()


def test_every_truncation_is_rejected(blob):
    for length in range(len(blob)):
        with pytest.raises(ValueError, match="not a valid minimal perfect hash"):
            MinimalPerfectHash.from_bytes(blob[:length])


def test_every_bit_flip_is_rejected(blob):
    for position in range(len(blob)):
        for bit in (0, 7):
            corrupted = bytearray(blob)
            corrupted[position] ^= 1 << bit
            with pytest.raises(ValueError, match="not a valid minimal perfect hash"):
                MinimalPerfectHash.from_bytes(bytes(corrupted))


def test_extra_bytes_are_rejected(blob):
    with pytest.raises(ValueError, match="not a valid minimal perfect hash"):
        MinimalPerfectHash.from_bytes(blob + b"\x00" * 8)


def _reheader(blob, **changes):
    """Rewrite header fields and re-sign, as a crafted (not corrupted) file would."""
    names = ["magic", "version", "n_keys", "gamma", "seed", "fingerprint_bits", "n_levels",
             "n_words", "n_fingerprint_words", "n_fallback"]
    fields = dict(zip(names, _format._HEADER.unpack_from(blob), strict=True))
    fields.update(changes)
    payload = _format._HEADER.pack(*fields.values()) + blob[_format._HEADER.size: -16]
    return payload + _format._digest(payload)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"magic": b"NOTMPH"}, "bad magic"),
        ({"version": 2}, "version 2 is not supported.*newer sklearn-compress"),
        ({"gamma": 0.5}, "gamma"),
        ({"gamma": float("inf")}, "gamma"),
        ({"fingerprint_bits": 40}, "fingerprint_bits 40"),
        ({"n_keys": 301}, "do not add up to n_keys"),
        ({"n_levels": 1000}, "levels"),
        ({"n_words": 2**60}, "the header declares"),
        ({"n_fallback": 2**62}, "the header declares"),
        ({"n_fingerprint_words": 1}, "the header declares"),
    ],
)
def test_crafted_headers_are_rejected(blob, changes, message):
    with pytest.raises(ValueError, match=message):
        MinimalPerfectHash.from_bytes(_reheader(blob, **changes))


def test_inconsistent_arrays_are_rejected(blob):
    header = _format._HEADER.unpack_from(blob)
    n_levels = header[6]
    body = np.frombuffer(blob[_format._HEADER.size: -16], dtype="<u8").copy()
    body[0] += 64  # the first level one word longer than its keys call for
    payload = blob[: _format._HEADER.size] + body.tobytes()
    with pytest.raises(ValueError, match="does not fit the 300 keys left for it"):
        MinimalPerfectHash.from_bytes(payload + _format._digest(payload))
    body = np.frombuffer(blob[_format._HEADER.size: -16], dtype="<u8").copy()
    body[n_levels + 1] ^= 1  # one bit more set than there are keys
    payload = blob[: _format._HEADER.size] + body.tobytes()
    with pytest.raises(ValueError, match="do not add up to n_keys"):
        MinimalPerfectHash.from_bytes(payload + _format._digest(payload))


def test_non_bytes_is_a_type_error():
    with pytest.raises(TypeError, match="data must be bytes, got str"):
        MinimalPerfectHash.from_bytes("abc")


def test_header_is_64_bytes_so_arrays_are_aligned():
    assert _format._HEADER.size == 64
    assert struct.calcsize("<Q") * 8 == _format._HEADER.size
