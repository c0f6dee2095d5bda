"""Reading and writing the safetensors container, checked field by field.

Writing goes through the ``safetensors`` package. Reading parses the layout
itself (8-byte header length, JSON header, raw little-endian arrays) so that
arrays can be read-only views of a memory map, and so that every declared
size is checked against the real file size before anything is allocated.
"""

import json
import math
import mmap
import os

import numpy as np
import safetensors.numpy

from ._atomic import atomic_writer

__all__ = ["MAX_HEADER_BYTES", "read_safetensors", "write_safetensors"]

# A header describes arrays, not data: a few MB covers any model.
MAX_HEADER_BYTES = 16 * 2**20
_DTYPES = {
    "BOOL": np.dtype(np.bool_), "U8": np.dtype("u1"), "I8": np.dtype("i1"),
    "U16": np.dtype("<u2"), "I16": np.dtype("<i2"), "U32": np.dtype("<u4"),
    "I32": np.dtype("<i4"), "U64": np.dtype("<u8"), "I64": np.dtype("<i8"),
    "F16": np.dtype("<f2"), "F32": np.dtype("<f4"), "F64": np.dtype("<f8"),
}


def _fail(path, reason):
    raise ValueError(f"{path}: not a valid model file: {reason}")


def write_safetensors(path, tensors, metadata):
    """Atomically write ``tensors`` (name -> array) and string ``metadata``."""
    # (np.ascontiguousarray would turn 0-d arrays into 1-d ones)
    contiguous = {name: np.require(array, requirements="C") for name, array in tensors.items()}
    with atomic_writer(path) as f:
        f.write(safetensors.numpy.save(contiguous, metadata=metadata))


def _read_header(path, buffer):
    if len(buffer) < 8:
        _fail(path, f"{len(buffer)} bytes is too short for a safetensors header")
    header_length = int.from_bytes(buffer[:8], "little")
    if header_length > min(MAX_HEADER_BYTES, len(buffer) - 8):
        _fail(path, f"header length {header_length} exceeds the file or the "
                    f"{MAX_HEADER_BYTES}-byte limit")
    try:
        header = json.loads(bytes(buffer[8:8 + header_length]))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(path, f"header is not JSON ({exc})")
    if not isinstance(header, dict):
        _fail(path, "header is not a JSON object")
    return header, 8 + header_length


def _check_entry(path, name, entry, data_size):
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        _fail(path, f"array {name!r} has a malformed description")
    dtype = _DTYPES.get(entry["dtype"])
    if dtype is None:
        _fail(path, f"array {name!r} has unsupported dtype {entry['dtype']!r}")
    shape, offsets = entry["shape"], entry["data_offsets"]
    if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
        _fail(path, f"array {name!r} has an invalid shape {shape!r}")
    well_formed = isinstance(offsets, list) and len(offsets) == 2 and all(
        type(o) is int for o in offsets)
    if not (well_formed and 0 <= offsets[0] <= offsets[1] <= data_size):
        _fail(path, f"array {name!r} has offsets {offsets!r} outside the {data_size}-byte data")
    if math.prod(shape) * dtype.itemsize != offsets[1] - offsets[0]:
        _fail(path, f"array {name!r} of shape {shape} does not fill its {offsets[1] - offsets[0]}"
                    " bytes")
    return dtype, tuple(shape), offsets


def _check_layout(path, spans, data_size):
    """Arrays must tile the data exactly: no overlap, no gap, nothing after."""
    position = 0
    for start, end, name in sorted(spans):
        if start != position:
            _fail(path, f"array {name!r} starts at {start}, expected {position}")
        position = end
    if position != data_size:
        _fail(path, f"{data_size - position} bytes after the last array")


def _open_buffer(path, use_mmap):
    with open(path, "rb") as f:
        if not use_mmap:
            return f.read()
        if os.fstat(f.fileno()).st_size == 0:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def read_safetensors(path, *, use_mmap=True):
    """Read a safetensors file: ``(arrays, metadata)``, with checked layout.

    Arrays are read-only; with ``use_mmap`` they are views of a memory map of
    the file (shared between processes), otherwise of bytes read into memory.
    """
    buffer = _open_buffer(path, use_mmap)
    header, data_start = _read_header(path, buffer)
    metadata = header.pop("__metadata__", {})
    if not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        _fail(path, "__metadata__ must map names to strings")
    data_size = len(buffer) - data_start
    arrays, spans = {}, []
    for name, entry in header.items():
        dtype, shape, (start, end) = _check_entry(path, name, entry, data_size)
        spans.append((start, end, name))
        if end == start:
            array = np.zeros(shape, dtype=dtype)
        else:
            array = np.frombuffer(buffer, dtype=dtype, count=(end - start) // dtype.itemsize,
                                  offset=data_start + start).reshape(shape)
        # Aligned, native-order arrays for the hot paths (a copy only if not).
        arrays[name] = np.require(array, dtype=dtype.newbyteorder("="), requirements="A")
    _check_layout(path, spans, data_size)
    return arrays, metadata
