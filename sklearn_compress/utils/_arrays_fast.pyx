"""Compiled checks of float arrays read from a model file.

``load()`` checks that every float array of a file is finite and that scales
are non-negative. As numpy calls (``isfinite`` and ``all``, ``min``, ``max``,
``abs`` and ``sum``) those checks took about 50 us of a 1 ms CLINC150 load in
a fresh process, mostly numpy's first-call setup of each function; one pass
here takes 0.3 us for 151 values (warm). The array is read through the plain
buffer protocol, as in ``linear_model/_layouts_fast.pyx``, for the same reason.
"""

import math

import numpy as np

from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBuffer_Release, PyObject_GetBuffer

ctypedef fused floating:
    float
    double


cdef tuple _range(const floating *values, Py_ssize_t n):
    # Branch-free (vectorized). A NaN fails both comparisons, so it is
    # tracked apart: min and max alone would skip it.
    cdef Py_ssize_t i
    cdef floating low = values[0], high = values[0], value
    cdef bint nan = values[0] != values[0]
    with nogil:
        for i in range(1, n):
            value = values[i]
            nan |= value != value
            low = value if value < low else low
            high = value if value > high else high
    if nan:
        return float("nan"), float("nan")
    return float(low), float(high)


def float_range(values):
    """``(min, max)`` of a non-empty float32 or float64 array of any shape, as Python floats.

    Both are NaN if any value is NaN, so that ``math.isfinite`` of both says
    whether every value is finite.

    Raises
    ------
    TypeError
        If ``values`` is not a float32 or float64 array.
    ValueError
        If it is empty.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_compress.utils import float_range
    >>> float_range(np.array([[0.5, -2.0], [3.0, 1.0]]))
    (-2.0, 3.0)
    >>> float_range(np.array([1.0, np.nan, 2.0]))
    (nan, nan)
    """
    cdef Py_buffer view
    dtype = getattr(values, "dtype", None)
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"expected a float32 or float64 array, got "
                        f"{dtype if dtype is not None else type(values).__name__}")
    if values.size == 0:
        raise ValueError("float_range of an empty array")
    PyObject_GetBuffer(np.ascontiguousarray(values), &view, PyBUF_C_CONTIGUOUS)
    try:
        if dtype.itemsize == 4:
            return _range(<const float *>view.buf, view.len // 4)
        return _range(<const double *>view.buf, view.len // 8)
    finally:
        PyBuffer_Release(&view)


def all_finite(values):
    """Whether every value of a float32 or float64 array is finite (True if it is empty).

    Raises
    ------
    TypeError
        If ``values`` is not a float32 or float64 array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_compress.utils import all_finite
    >>> all_finite(np.array([0.5, -2.0])), all_finite(np.array([np.inf])), all_finite(np.array([]))
    (True, False, True)
    """
    if getattr(values, "size", None) == 0 and getattr(values, "dtype", None) in _FLOAT_DTYPES:
        return True
    low, high = float_range(values)
    return math.isfinite(low) and math.isfinite(high)


_FLOAT_DTYPES = frozenset({np.dtype(np.float32), np.dtype(np.float64)})
