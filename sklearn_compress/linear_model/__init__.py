"""Fitted linear models with quantized, sparse-by-feature weights."""

from ._quantized import QuantizedLinearModel

__all__ = ["QuantizedLinearModel"]
