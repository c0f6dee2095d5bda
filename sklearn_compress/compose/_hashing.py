"""compress() rewrites of the hashing vectorizers: kept as they are.

``HashingVectorizer`` and ``FeatureHasher`` hold no vocabulary (their output
column is a hash of the feature), so there is nothing to compress in them:
they stay, every column with them, and only the model after them is
quantized. Its all-zero columns cost nothing: the quantized model's sparse
layout stores no entry for them.
"""

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer

__all__ = ["STATELESS_STEPS", "VECTORIZER_REWRITES"]


def _keep_hashing_step(
    step: Any, keep: NDArray[np.bool_], context: Any
) -> tuple[Any, NDArray[np.intp]]:
    return step, np.arange(len(keep))


# -- what this module contributes (collected by compose/_compress.py)

VECTORIZER_REWRITES = {HashingVectorizer: _keep_hashing_step, FeatureHasher: _keep_hashing_step}
# Steps with nothing to fit: scikit-learn < 1.7 does not tag them so, and its
# check_is_fitted calls them unfitted.
STATELESS_STEPS = (HashingVectorizer, FeatureHasher)
