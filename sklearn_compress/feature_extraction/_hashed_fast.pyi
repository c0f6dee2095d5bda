# Types of the compiled kernel in _hashed_fast.pyx.
from typing import Any

from numpy.typing import NDArray

def count_rows(
    columns: NDArray[Any], row_ends: NDArray[Any]
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]: ...
