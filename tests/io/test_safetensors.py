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
