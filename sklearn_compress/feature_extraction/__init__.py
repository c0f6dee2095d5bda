"""Drop-in vectorizers whose vocabulary is a minimal perfect hash."""

from ._dict_vectorizer import CompressedVectorizer
from ._text import CompressedTextVectorizer
from ._tfidf import CompressedTfidfTransformer

__all__ = ["CompressedTextVectorizer", "CompressedTfidfTransformer", "CompressedVectorizer"]
