"""Reading and writing the safetensors container, checked field by field.

Layout (the safetensors format): 8-byte little-endian header length, a UTF-8
JSON header (padded with spaces to a multiple of 8 bytes) describing each
array's dtype, shape and byte span, then the raw little-endian arrays, which
tile the data section exactly. The writer streams arrays in the order given,
so that *trailers* (arrays computed from every byte before them, such as a
digest) can come last. The reader parses the layout itself so that arrays
can be read-only views of a memory map, and checks every declared size
against the real file size before anything is allocated.
"""

import json
import math
import mmap
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, NamedTuple, NoReturn, TypeAlias, TypedDict, TypeGuard

import numpy as np
from numpy.typing import NDArray

from ._atomic import atomic_writer
from ._safetensors_fast import array_views

__all__ = ["MAX_HEADER_BYTES", "Container", "Trailer", "read_container", "read_safetensors",
           "write_safetensors"]

# A value parsed from JSON text.
JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None

# A header describes arrays, not data: a few MB covers any model.
MAX_HEADER_BYTES = 16 * 2**20
_DTYPES: dict[str, np.dtype[Any]] = {
    "BOOL": np.dtype(np.bool_), "U8": np.dtype("u1"), "I8": np.dtype("i1"),
    "U16": np.dtype("<u2"), "I16": np.dtype("<i2"), "U32": np.dtype("<u4"),
    "I32": np.dtype("<i4"), "U64": np.dtype("<u8"), "I64": np.dtype("<i8"),
    "F16": np.dtype("<f2"), "F32": np.dtype("<f4"), "F64": np.dtype("<f8"),
}
_DTYPE_NAMES = {dtype.newbyteorder("<"): name for name, dtype in _DTYPES.items()}
_LENGTH_BYTES = 8


class Trailer(NamedTuple):
    """An array computed from every byte of the file before the trailers (a digest)."""

    name: str
    size: int
    compute: Callable[[memoryview], bytes]


class _Entry(TypedDict):
    """One array's description in the header."""

    dtype: str
    shape: list[int]
    data_offsets: list[int]


def _fail(path: str | os.PathLike[str], reason: str) -> NoReturn:
    raise ValueError(f"{path}: not a valid model file: {reason}")


# -- writing ------------------------------------------------------------------------


def _little_endian(array: NDArray[Any]) -> NDArray[Any]:
    # (np.ascontiguousarray would turn 0-d arrays into 1-d ones)
    array = np.require(array, requirements="C")
    if array.dtype.newbyteorder("<") not in _DTYPE_NAMES:
        raise ValueError(f"arrays of dtype {array.dtype} cannot be stored")
    return np.require(array, dtype=array.dtype.newbyteorder("<"), requirements="C")


def _header_bytes(entries: Mapping[str, _Entry], metadata: Mapping[str, str]) -> bytes:
    header: dict[str, object] = {"__metadata__": metadata, **entries}
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(_LENGTH_BYTES, "little") + text


def write_safetensors(path: str | os.PathLike[str], tensors: Mapping[str, NDArray[Any]],
                      metadata: Mapping[str, str], trailers: Sequence[Trailer] = ()) -> None:
    """Atomically write ``tensors`` (name -> array) and string ``metadata``.

    Each of ``trailers`` is stored as a uint8 array after all the others,
    computed from every byte written before the trailers, read back from the
    file through a memory map: a digest covers what is on disk, without a
    second copy of the file in memory.
    """
    arrays = {name: _little_endian(array) for name, array in tensors.items()}
    # Wider items first (as safetensors does): every array stays aligned in a map.
    arrays = dict(sorted(arrays.items(), key=lambda item: -item[1].dtype.itemsize))
    entries: dict[str, _Entry] = {}
    offset = 0
    for name, array in arrays.items():
        entries[name] = {"dtype": _DTYPE_NAMES[array.dtype], "shape": list(array.shape),
                         "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    for trailer in trailers:
        entries[trailer.name] = {"dtype": "U8", "shape": [trailer.size],
                                 "data_offsets": [offset, offset + trailer.size]}
        offset += trailer.size
    with atomic_writer(path) as f:
        f.write(_header_bytes(entries, metadata))
        for array in arrays.values():
            if array.size:
                f.write(array.reshape(-1).data.cast("B"))
        if trailers:
            for value in _trailer_values(f, trailers):
                f.write(value)


def _trailer_values(f: BinaryIO, trailers: Sequence[Trailer]) -> list[bytes]:
    f.flush()
    with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as written, \
            memoryview(written) as view:
        values = [trailer.compute(view) for trailer in trailers]
    for trailer, value in zip(trailers, values, strict=True):
        if len(value) != trailer.size:
            raise ValueError(f"trailer {trailer.name} of {len(value)} bytes, not {trailer.size}")
    return values


# -- reading ------------------------------------------------------------------------


@dataclass
class Container:
    """A parsed container: its arrays, metadata, the raw bytes and each array's span."""

    arrays: dict[str, NDArray[Any]]
    metadata: dict[str, str]
    buffer: bytes | mmap.mmap
    spans: dict[str, tuple[int, int]]  # name -> (start, end), absolute offsets in ``buffer``


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise ValueError("repeated key in a JSON object")
    return mapping


# One decoder for every call: json.loads with hooks builds a new one each time.
_STRICT_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys,
                                   parse_constant=_refuse_constant)


def parse_json(raw: str | bytes | bytearray) -> JSON:
    """Strict JSON: UTF-8 text, no repeated keys, no NaN or Infinity.

    Raises ``ValueError`` (also for nesting too deep for the parser).
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
        return _STRICT_DECODER.decode(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _read_header(path: str | os.PathLike[str], head: bytes,
                 file_size: int) -> tuple[dict[str, JSON], int]:
    if file_size < _LENGTH_BYTES:
        _fail(path, f"{file_size} bytes is too short for a safetensors header")
    header_length = int.from_bytes(head[:_LENGTH_BYTES], "little")
    if header_length > min(MAX_HEADER_BYTES, file_size - _LENGTH_BYTES):
        _fail(path, f"header length {header_length} exceeds the file or the "
                    f"{MAX_HEADER_BYTES}-byte limit")
    raw = bytes(head[_LENGTH_BYTES:_LENGTH_BYTES + header_length])
    try:
        header = parse_json(raw)
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        _fail(path, f"header is not JSON in UTF-8 ({exc})")
    if not isinstance(header, dict):
        _fail(path, "header is not a JSON object")
    return header, _LENGTH_BYTES + header_length


def _are_ints(values: list[JSON]) -> TypeGuard[list[int]]:
    return set(map(type, values)) <= _INT_TYPE


def _maps_to_strings(mapping: dict[str, JSON]) -> TypeGuard[dict[str, str]]:
    return all(isinstance(value, str) for value in mapping.values())


_INT_TYPE = frozenset({int})
_ENTRY_KEYS = frozenset({"dtype", "shape", "data_offsets"})


def _check_entry(path: str | os.PathLike[str], name: str, entry: JSON,
                 data_size: int) -> tuple[np.dtype[Any], tuple[int, ...], list[int]]:
    if not isinstance(entry, dict) or entry.keys() != _ENTRY_KEYS:
        _fail(path, f"array {name!r:.80} has a malformed description")
    dtype = _DTYPES.get(entry["dtype"]) if isinstance(entry["dtype"], str) else None
    if dtype is None:
        _fail(path, f"array {name!r:.80} has unsupported dtype {entry['dtype']!r:.20}")
    shape, offsets = entry["shape"], entry["data_offsets"]
    if not (isinstance(shape, list) and len(shape) <= 8 and _are_ints(shape)
            and (not shape or min(shape) >= 0)):
        _fail(path, f"array {name!r:.80} has an invalid shape {shape!r:.80}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and _are_ints(offsets)
            and 0 <= offsets[0] <= offsets[1] <= data_size):
        _fail(path, f"array {name!r:.80} has offsets {offsets!r:.80} outside the "
                    f"{data_size}-byte data")
    if math.prod(shape) * dtype.itemsize != offsets[1] - offsets[0]:
        _fail(path, f"array {name!r:.80} of shape {shape} does not fill its "
                    f"{offsets[1] - offsets[0]} bytes")
    return dtype, tuple(shape), offsets


def _check_layout(path: str | os.PathLike[str], spans: list[tuple[int, int, str]],
                  data_size: int) -> None:
    """Arrays must tile the data exactly: no overlap, no gap, nothing after."""
    position = 0
    for start, end, name in sorted(spans):
        if start != position:
            _fail(path, f"array {name!r:.80} starts at {start}, expected {position}")
        position = end
    if position != data_size:
        _fail(path, f"{data_size - position} bytes after the last array")


def _open_regular(path: str | os.PathLike[str]) -> int:
    """Open ``path`` for reading if it is a regular file, without reading it: a descriptor.

    A FIFO would block ``open()`` and a device could be endless: both are
    refused from ``stat``, before opening; the opened file is checked again.
    (A bare descriptor and ``pread``, not a file object: 20 us less per load.)
    """
    try:
        before = os.stat(path)
        if stat.S_ISDIR(before.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(before.st_mode):
            _fail(path, "it is not a regular file (a FIFO, socket or device)")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, IsADirectoryError):
        raise
    except OSError as exc:
        _fail(path, f"cannot be read ({exc.strerror or exc})")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        _fail(path, "it is not a regular file")
    return fd


def _read_exactly(path: str | os.PathLike[str], fd: int, size: int, offset: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        # (One read returns at most ~2 GiB on Linux; os.pread is POSIX-only.)
        if hasattr(os, "pread"):
            chunk = os.pread(fd, remaining, offset)
        else:
            os.lseek(fd, offset, os.SEEK_SET)
            chunk = os.read(fd, remaining)
        if not chunk:
            _fail(path, "the file changed size while being read")
        chunks.append(chunk)
        remaining -= len(chunk)
        offset += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)  # (b"" for size 0)


def _buffer(path: str | os.PathLike[str], fd: int,
            use_mmap: bool) -> tuple[bytes | mmap.mmap, int, dict[str, JSON], int]:
    """(buffer, file size, header, data start); the header is checked before the rest is read."""
    size = os.fstat(fd).st_size
    head = _read_exactly(path, fd, min(size, _LENGTH_BYTES), 0)
    header_length = int.from_bytes(head, "little")
    if len(head) == _LENGTH_BYTES and header_length <= min(MAX_HEADER_BYTES, size - _LENGTH_BYTES):
        head += _read_exactly(path, fd, header_length, _LENGTH_BYTES)
    header, data_start = _read_header(path, head, size)  # before a large read
    if use_mmap:
        buffer: bytes | mmap.mmap = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        if len(buffer) != size:
            _fail(path, "the file changed while being read")
    else:
        buffer = _read_exactly(path, fd, size, 0)
    if buffer[:data_start] != head:
        _fail(path, "the file changed while being read")
    return buffer, size, header, data_start


def _native_aligned(array: NDArray[Any]) -> NDArray[Any]:
    """Aligned, native-order arrays for the hot paths (a copy only if not).

    (Not np.require, a Python function that costs 3 us per array, a tenth of
    a small model's load.)
    """
    if not array.dtype.isnative:
        return array.astype(array.dtype.newbyteorder("="))
    return array if array.flags.aligned else array.copy()


def read_container(path: str | os.PathLike[str], *, use_mmap: bool = True) -> Container:
    """Read a safetensors file into a :class:`Container`, with checked layout.

    Arrays are read-only; with ``use_mmap`` they are views of a memory map of
    the file (shared between processes), otherwise of bytes read into memory.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        For a missing path or a directory.
    ValueError
        For anything else that is not a well-formed container, including
        special files (FIFO, device), which are refused without being read.
    """
    fd = _open_regular(path)
    try:
        buffer, size, header, data_start = _buffer(path, fd, use_mmap)
    except OSError as exc:
        _fail(path, f"cannot be read ({exc.strerror or exc})")
    finally:
        os.close(fd)
    metadata = header.pop("__metadata__", {})
    if not (isinstance(metadata, dict) and _maps_to_strings(metadata)):
        _fail(path, "__metadata__ must map names to strings")
    data_size = size - data_start
    # The compiled fast path accepts only what passes every check below; for
    # anything else (None) the checks run here and name what is wrong.
    views = array_views(header, buffer, data_start, data_size, _DTYPES)
    arrays, spans = views if views is not None else _checked_views(
        path, header, buffer, data_start, data_size)
    return Container(arrays, metadata, buffer, spans)


def _checked_views(path: str | os.PathLike[str], header: dict[str, JSON],
                   buffer: bytes | mmap.mmap, data_start: int, data_size: int,
                   ) -> tuple[dict[str, NDArray[Any]], dict[str, tuple[int, int]]]:
    """What :func:`array_views` computes, with a ``ValueError`` naming any defect."""
    arrays: dict[str, NDArray[Any]] = {}
    spans: dict[str, tuple[int, int]] = {}
    for name, entry in header.items():
        dtype, shape, (start, end) = _check_entry(path, name, entry, data_size)
        spans[name] = (data_start + start, data_start + end)
        if end == start:
            array = np.zeros(shape, dtype=dtype)
        else:
            array = np.frombuffer(buffer, dtype=dtype, count=(end - start) // dtype.itemsize,
                                  offset=data_start + start).reshape(shape)
        arrays[name] = _native_aligned(array)
    _check_layout(path, [(s - data_start, e - data_start, n) for n, (s, e) in spans.items()],
                  data_size)
    return arrays, spans


def read_safetensors(path: str | os.PathLike[str], *,
                     use_mmap: bool = True) -> tuple[dict[str, NDArray[Any]], dict[str, str]]:
    """Read a safetensors file: ``(arrays, metadata)``, with checked layout."""
    container = read_container(path, use_mmap=use_mmap)
    return container.arrays, container.metadata
