"""The arrays a checked safetensors header describes, as views of the file's buffer.

``read_container`` (``_safetensors.py``) checks each array's entry (dtype,
shape, byte span) and that the spans tile the data, then makes each array a
view. In Python those steps took 90 us of a fresh process's load of a
CLINC150 model (10 arrays); here 36 us, most of it numpy's ``frombuffer``.
This is the fast path only: it accepts a header only where every check
certainly passes, and returns None otherwise (a malformed entry, a gap or
overlap, a size that overflows 64 bits, a non-native dtype), so that the
Python path decides, with its error message. An unaligned array is copied,
as the Python path does.
"""

import numpy as np

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from libc.stdint cimport int64_t, uintptr_t

cdef enum:
    MAX_DIMENSIONS = 8  # as _safetensors._check_entry


cdef bint _exact_ints(list values, int64_t *out, Py_ssize_t n):
    """``values`` as non-negative int64s, False if one is not an exact int in range."""
    cdef Py_ssize_t i
    for i in range(n):
        value = values[i]
        if type(value) is not int or value < 0 or value > 0x7FFFFFFFFFFFFFFF:
            return False
        out[i] = value
    return True


cdef bint _fills(int64_t *dimensions, Py_ssize_t n, int64_t itemsize, int64_t size):
    """Whether ``prod(dimensions) * itemsize == size`` (``size`` >= 0), without overflow."""
    cdef Py_ssize_t i
    cdef int64_t product = itemsize
    for i in range(n):
        if dimensions[i] == 0:
            return size == 0
    for i in range(n):
        if product > size // dimensions[i]:  # the product would exceed size
            return False
        product *= dimensions[i]
    return product == size


def array_views(dict header, buffer, int64_t data_start, int64_t data_size, dict dtypes):
    """``(arrays, spans)`` for ``header`` (its array entries only), or None.

    ``arrays`` maps each name to a read-only view of ``buffer`` (an empty
    array for an empty span), ``spans`` to its ``(start, end)`` offsets in
    ``buffer``; ``dtypes`` maps the header's dtype names to numpy dtypes.
    None means the Python path must decide (see the module's docstring).
    """
    cdef int64_t dimensions[MAX_DIMENSIONS]
    cdef int64_t bounds[2]
    cdef int64_t itemsize
    cdef Py_ssize_t n_dimensions
    cdef Py_buffer view
    cdef uintptr_t base
    arrays, spans, placed = {}, {}, []
    PyObject_GetBuffer(buffer, &view, PyBUF_SIMPLE)
    base = <uintptr_t>view.buf
    PyBuffer_Release(&view)  # (only its address is kept; numpy holds the buffer below)
    for name, entry in header.items():
        if type(entry) is not dict or len(<dict>entry) != 3:
            return None
        dtype_name = (<dict>entry).get("dtype")
        dtype = dtypes.get(dtype_name) if type(dtype_name) is str else None
        shape = (<dict>entry).get("shape")
        offsets = (<dict>entry).get("data_offsets")
        if dtype is None or not dtype.isnative or type(shape) is not list or type(
                offsets) is not list:
            return None
        n_dimensions = len(<list>shape)
        if n_dimensions > MAX_DIMENSIONS or len(<list>offsets) != 2 or not _exact_ints(
                <list>shape, dimensions, n_dimensions) or not _exact_ints(
                <list>offsets, bounds, 2):
            return None
        itemsize = dtype.itemsize
        if not (bounds[0] <= bounds[1] <= data_size) or not _fills(
                dimensions, n_dimensions, itemsize, bounds[1] - bounds[0]):
            return None
        start = data_start + bounds[0]
        if bounds[1] == bounds[0]:
            array = np.zeros(shape, dtype=dtype)
        else:
            array = np.frombuffer(buffer, dtype=dtype, count=(bounds[1] - bounds[0]) // itemsize,
                                  offset=start)
            if n_dimensions != 1:
                array = array.reshape(shape)
            if (base + <uintptr_t>start) % <uintptr_t>itemsize:
                array = array.copy()  # (unaligned: the hot paths need aligned arrays)
        arrays[name] = array
        spans[name] = (start, data_start + bounds[1])
        placed.append((bounds[0], bounds[1]))
    position = 0
    for start, end in sorted(placed):  # the spans must tile the data exactly
        if start != position:
            return None
        position = end
    if position != data_size:
        return None
    return arrays, spans
