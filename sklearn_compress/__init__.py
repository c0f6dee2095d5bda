"""sklearn-compress: shrink fitted scikit-learn text models, same predictions."""

from ._version import __version__ as __version__
from .compose import CompressionReport, compress, compression_report
from .crf import CompressedCRF
from .feature_extraction import (
    CompressedTextVectorizer,
    CompressedTfidfTransformer,
    CompressedVectorizer,
)
from .io import load, save
from .linear_model import QuantizedLinearModel
from .mph import MinimalPerfectHash

__all__ = [
    "CompressedCRF",
    "CompressedTextVectorizer",
    "CompressedTfidfTransformer",
    "CompressedVectorizer",
    "CompressionReport",
    "MinimalPerfectHash",
    "QuantizedLinearModel",
    "compress",
    "compression_report",
    "load",
    "save",
]
