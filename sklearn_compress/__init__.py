"""sklearn-compress: shrink fitted scikit-learn text models, same predictions."""

from ._mph import MinimalPerfectHash
from ._quantized import QuantizedLinearModel

__all__ = ["MinimalPerfectHash", "QuantizedLinearModel"]

__version__ = "0.1.0.dev0"
