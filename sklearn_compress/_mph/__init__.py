"""Minimal perfect hashing of strings (a BBHash cascade over MurmurHash3).

Split as in pthash: ``_hashing`` (one 128-bit hash per key and the per-level
positions derived from it), ``_build`` (the cascade), ``_bits`` (rank
directory and packed fingerprints), ``_format`` (a pickle-free byte format)
and ``_query`` (the frozen :class:`MinimalPerfectHash`).
"""

from ._hashing import hash_keys
from ._query import MinimalPerfectHash

__all__ = ["MinimalPerfectHash", "hash_keys"]
