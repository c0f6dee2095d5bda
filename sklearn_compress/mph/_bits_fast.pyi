# Types of the compiled kernels in _bits_fast.pyx.
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

def block_ranks(words: NDArray[np.uint64], words_per_block: int) -> NDArray[np.uint32]: ...
def range_popcounts(words: NDArray[np.uint64], bounds: Sequence[int]) -> list[int]: ...
def fitted_level_popcounts(
    words: NDArray[np.uint64], level_bits: NDArray[np.uint64], n_keys: int, n_fallback: int,
    gamma: float, words_per_block: int, max_level_bits: int,
) -> list[int] | None: ...
