"""sklearn-compress: shrink fitted scikit-learn text models, same predictions."""

from ._compress import compress
from ._mph import MinimalPerfectHash
from ._persist import load, save
from ._quantized import QuantizedLinearModel
from ._report import CompressionReport, compression_report
from ._text import CompressedTextVectorizer
from ._tfidf import CompressedTfidfTransformer
from ._vectorizer import CompressedVectorizer
from ._version import __version__ as __version__

__all__ = [
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
