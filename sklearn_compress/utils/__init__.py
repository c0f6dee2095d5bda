"""Small compiled helpers shared by several subpackages (as scikit-learn's ``utils``).

A leaf: it imports nothing from the rest of the package, so estimator modules
and the drivers can both use it.
"""

from ._arrays_fast import all_finite, float_range

__all__ = ["all_finite", "float_range"]
