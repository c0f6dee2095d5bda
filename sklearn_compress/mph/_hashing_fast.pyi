# Types of the compiled kernels in _hashing_fast.pyx.
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

def hash_key(key: str | bytes, seed: int = 0) -> tuple[int, int]: ...
def hash_iterable(keys: Iterable[str | bytes], seed: int = 0) -> NDArray[np.uint64]: ...
def level_positions(
    h1: NDArray[np.uint64], h2: NDArray[np.uint64], level: int, n_bits: int
) -> NDArray[np.uint64]: ...
