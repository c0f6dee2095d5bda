# Types of the compiled lookup kernel in _query_fast.pyx.
from typing import Any

import numpy as np
from numpy.typing import NDArray

class CascadeLookup:
    def _attach(
        self,
        level_offsets: NDArray[np.uint64],
        level_bits: NDArray[np.uint64],
        words: NDArray[np.uint64],
        block_ranks: NDArray[np.uint32],
        fingerprints: NDArray[np.uint64],
        fingerprint_bits: int,
        fallback: NDArray[np.uint64],
        n_in_levels: int,
        seed: int,
    ) -> None: ...
    def get(self, key: str | bytes, default: Any = -1) -> Any: ...
    def _lookup_hashes(self, hashes: NDArray[np.uint64]) -> NDArray[np.int64]: ...
    def _lookup_list(self, keys: list[Any]) -> NDArray[np.int64]: ...
