# Types of the compiled fast path in _safetensors_fast.pyx.
import mmap
from typing import Any

import numpy as np
from numpy.typing import NDArray

def array_views(
    header: dict[str, Any], buffer: bytes | mmap.mmap, data_start: int, data_size: int,
    dtypes: dict[str, np.dtype[Any]],
) -> tuple[dict[str, NDArray[Any]], dict[str, tuple[int, int]]] | None: ...
