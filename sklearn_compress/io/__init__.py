"""save() and load(): the safe, memory-mappable model file."""

from ._persist import FormatError, load, save

__all__ = ["FormatError", "load", "save"]
