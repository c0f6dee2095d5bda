import json

import numpy as np
import pytest
import safetensors.numpy

from sklearn_compress.io._safetensors import MAX_HEADER_BYTES, read_safetensors, write_safetensors

ARRAYS = {"a": np.arange(5, dtype=np.uint8), "b": np.linspace(0, 1, 3),
          "c": np.zeros((2, 0), dtype=np.int32), "d": np.asarray(7.0)}


@pytest.mark.parametrize("use_mmap", [True, False])
def test_round_trip_keeps_dtypes_shapes_and_values(tmp_path, use_mmap):
    write_safetensors(tmp_path / "x.st", ARRAYS, {"k": "v"})
    arrays, metadata = read_safetensors(tmp_path / "x.st", use_mmap=use_mmap)
    assert metadata == {"k": "v"}
    assert set(arrays) == set(ARRAYS)
    for name, expected in ARRAYS.items():
        assert arrays[name].dtype == expected.dtype
        assert arrays[name].shape == expected.shape
        np.testing.assert_array_equal(arrays[name], expected)
        assert not arrays[name].flags.writeable or arrays[name].size == 0
        assert arrays[name].flags.aligned


def _raw(header, data=b""):
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + data


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x01\x02", "too short"),
        ((MAX_HEADER_BYTES + 1).to_bytes(8, "little") + b"{}", "header length"),
        (b"\x04" + bytes(7) + b"nope", "header is not JSON"),
        (_raw([1, 2]), "not a JSON object"),
        (_raw({"x": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}), "outside"),
        (_raw({"x": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, bytes(8)),
         "unsupported dtype"),
        (_raw({"x": {"dtype": "F64", "shape": [-1], "data_offsets": [0, 8]}}, bytes(8)),
         "invalid shape"),
        (_raw({"x": {"dtype": "F64", "shape": [2], "data_offsets": [0, 8]}}, bytes(8)),
         "does not fill"),
        (_raw({"x": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
               "y": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]}}, bytes(8)),
         "starts at 2, expected 4"),
        (_raw({"x": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}}, bytes(8)),
         "4 bytes after the last array"),
        (_raw({"x": {"dtype": "U8", "shape": [4]}}, bytes(4)), "malformed description"),
        (_raw({"__metadata__": {"k": 1}}), "must map names to strings"),
    ],
)
def test_malformed_files_are_refused(tmp_path, raw, message):
    path = tmp_path / "bad.st"
    path.write_bytes(raw)
    for use_mmap in (True, False):
        with pytest.raises(ValueError, match=message):
            read_safetensors(path, use_mmap=use_mmap)


def test_reads_files_written_by_the_safetensors_package(tmp_path):
    path = tmp_path / "theirs.st"
    path.write_bytes(safetensors.numpy.save({"w": np.arange(6.0).reshape(2, 3)}))
    arrays, metadata = read_safetensors(path)
    np.testing.assert_array_equal(arrays["w"], np.arange(6.0).reshape(2, 3))
    assert metadata == {}


def test_empty_file_is_refused(tmp_path):
    (tmp_path / "empty.st").write_bytes(b"")
    with pytest.raises(ValueError, match="too short"):
        read_safetensors(tmp_path / "empty.st")


def _entries_and_data():
    """A header's array entries and data for arrays of every shape kind (0-d, empty, 2-D)."""
    entries, chunks, offset = {}, [], 0
    arrays = {"w": np.arange(6, dtype="<u8").reshape(2, 3), "s": np.asarray(2.5),
              "e": np.zeros((0, 2), dtype="<i4"), "b": np.arange(7, dtype=np.uint8)}
    names = {"<u8": "U64", "<f8": "F64", "<i4": "I32", "|u1": "U8"}
    for name, array in arrays.items():
        entries[name] = {"dtype": names[array.dtype.str], "shape": list(array.shape),
                         "data_offsets": [offset, offset + array.nbytes]}
        chunks.append(array.tobytes())
        offset += array.nbytes
    return entries, b"".join(chunks)


def _mutations(entries, rng):
    """Edits of entries that the checks may accept or refuse."""
    values = [-1, 0, 1, 2, 3, 7, 8, 48, 56, 64, 2**63, 2**64 + 8, True, 1.0, "8", None, [],
              [1], [0, 8], [[1]], {"a": 1}]
    for _ in range(400):
        edited = json.loads(json.dumps(entries))
        for _ in range(rng.integers(1, 3)):
            if not edited:
                break
            name = list(edited)[rng.integers(len(edited))]
            entry = edited[name]
            if not (isinstance(entry, dict) and {"shape", "data_offsets"} <= set(entry)):
                continue
            where = rng.integers(6)
            if where == 0:
                entry["dtype"] = ["F64", "U8", "I64", "F16", "BOOL", "X", 3][rng.integers(7)]
            elif where == 1 and isinstance(entry["shape"], list) and entry["shape"]:
                value = values[rng.integers(len(values))]
                entry["shape"][rng.integers(len(entry["shape"]))] = value
            elif where == 2:
                entry["shape"] = [[], [0], [2, 3], [56], [1] * 9, "x"][rng.integers(6)]
            elif where == 3:
                entry["data_offsets"][rng.integers(2)] = values[rng.integers(len(values))]
            elif where == 4:
                edited[name] = [entry, {}, None, {**entry, "x": 1}][rng.integers(4)]
            else:
                del edited[name]
        yield edited


def test_compiled_views_agree_with_the_checked_python_path():
    # array_views is the fast path: it must accept exactly what the checks
    # accept, and give the same arrays and spans (the checks name the defect).
    from sklearn_compress.io._safetensors import _DTYPES, _checked_views
    from sklearn_compress.io._safetensors_fast import array_views

    entries, data = _entries_and_data()
    rng = np.random.default_rng(0)
    buffer = bytes(8) + data + bytes(8)
    accepted = refused = 0
    for header in [entries, *_mutations(entries, rng)]:
        for data_size in (len(data), len(data) + 8):
            try:
                expected = _checked_views("f", dict(header), buffer, 8, data_size)
            except ValueError:
                expected = None
            views = array_views(dict(header), buffer, 8, data_size, _DTYPES)
            assert (views is None) == (expected is None), header
            if expected is None:
                refused += 1
                continue
            accepted += 1
            assert views[1] == expected[1]
            assert list(views[0]) == list(expected[0])
            for name, array in views[0].items():
                assert array.dtype == expected[0][name].dtype
                np.testing.assert_array_equal(array, expected[0][name], strict=True)
                assert array.flags.aligned
                assert array.flags.writeable == expected[0][name].flags.writeable
    assert accepted > 20 and refused > 400


def test_unaligned_arrays_are_copied(tmp_path):
    from sklearn_compress.io._safetensors import _DTYPES
    from sklearn_compress.io._safetensors_fast import array_views

    values = np.arange(3, dtype="<u8")
    buffer = bytes(3) + values.tobytes()
    header = {"v": {"dtype": "U64", "shape": [3], "data_offsets": [0, 24]}}
    arrays, spans = array_views(header, buffer, 3, 24, _DTYPES)
    assert arrays["v"].flags.aligned and arrays["v"].flags.owndata
    np.testing.assert_array_equal(arrays["v"], values)
    assert spans == {"v": (3, 27)}
