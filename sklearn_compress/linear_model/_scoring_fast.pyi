# Types of the compiled kernel in _scoring_fast.pyx.
from typing import Any

from numpy.typing import NDArray

def scattered_scores(
    codes: NDArray[Any],
    indptr: NDArray[Any],
    output_ids: NDArray[Any],
    n_outputs: int,
    data: NDArray[Any],
    indices: NDArray[Any],
    row_ptr: NDArray[Any],
) -> NDArray[Any]: ...
