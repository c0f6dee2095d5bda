"""Minimal perfect hashing of strings (a BBHash cascade over MurmurHash3).

Split as in pthash: ``_hashing`` (one 128-bit hash per key and the per-level
positions derived from it), ``_build`` (the cascade), ``_bits`` (rank
directory and packed fingerprints), ``_format`` (a pickle-free byte format)
and ``_query`` (the frozen :class:`MinimalPerfectHash`, which reports its own
size). Other subpackages use only the names below.
"""

from ._build import distinct_rows
from ._hashing import MAX_SEED, hash_buffer, hash_keys, utf8_bytes
from ._query import MinimalPerfectHash

__all__ = ["MAX_SEED", "MinimalPerfectHash", "distinct_rows", "hash_buffer", "hash_keys",
           "utf8_bytes"]
