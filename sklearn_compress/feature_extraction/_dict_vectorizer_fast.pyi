# Types of the compiled kernel in _dict_vectorizer_fast.pyx.
from typing import Any

from numpy.typing import NDArray

def csr_structure(
    columns: NDArray[Any], row_ends: NDArray[Any]
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], int]: ...
