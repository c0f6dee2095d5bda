"""The public API as a user's code calls it, for mypy --strict (never run).

pyproject.toml's ``[tool.mypy] files`` lists this module: a public function
or method left without annotations fails the check here (``no-untyped-call``),
and so does a call that the annotations reject.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sklearn_compress import (
    CompressedCRF,
    CompressedTextVectorizer,
    CompressedTfidfTransformer,
    CompressedVectorizer,
    CompressionReport,
    MinimalPerfectHash,
    QuantizedLinearModel,
    compress,
    compression_report,
    load,
    save,
)


def compress_check_save_load(
    pipeline: Any, texts: list[str], labels: list[str], path: Path
) -> NDArray[Any]:
    small = compress(pipeline, texts, min_agreement=0.99, bits=8, random_state=0, verbose=1)
    report: CompressionReport = compression_report(pipeline, small, texts, labels, verbose=True)
    agreement: float | None = report.agreement
    print(report.to_dict(), agreement)
    save(small, path)
    predictions: NDArray[Any] = load(path, mmap=False).predict(texts)
    return predictions


def vectorize(texts: list[str], dicts: Sequence[Mapping[str, float]]) -> int:
    text_vectorizer = CompressedTextVectorizer(ngram_range=(1, 2), tfidf=True).fit(texts)
    dict_vectorizer = CompressedVectorizer(sparse=False).fit(dicts)
    tfidf = CompressedTfidfTransformer().fit(text_vectorizer.transform(texts))
    idf: NDArray[Any] = tfidf.idf_
    return text_vectorizer.nbytes + dict_vectorizer.nbytes + len(idf)


def linear_model(X: NDArray[np.float64], y: NDArray[Any]) -> float:
    model = QuantizedLinearModel(bits=8, prefit=False).fit(X, y)
    return model.take_features(np.arange(X.shape[1])).score(X, y)


def perfect_hash(keys: list[str]) -> float:
    mph = MinimalPerfectHash.build(keys, gamma=1.0, fingerprint_bits=8, seed=0)
    slots: NDArray[np.int64] = mph.lookup(keys)
    copy = MinimalPerfectHash.from_bytes(mph.to_bytes())
    return float(slots.max()) + len(copy) + copy.bits_per_key


def tagger(X: list[list[dict[str, float]]], y: list[list[str]]) -> list[str]:
    return CompressedCRF(bits=8).fit(X, y).predict_single(X[0])
