"""compress(): the driver that rewrites fitted pipelines, and its size report."""

from ._compress import compress
from ._report import CompressionReport, compression_report

__all__ = ["CompressionReport", "compress", "compression_report"]
