"""Compressed sequence taggers: linear-chain CRFs (sklearn-crfsuite, python-crfsuite).

Importing this package does not need sklearn-crfsuite; compressing a
``sklearn_crfsuite.CRF`` or training with :meth:`CompressedCRF.fit` does.
"""

from ._compressed import CompressedCRF
from ._metrics import span_f1
from ._slots import load_slot_dataset, sequence_features, synthetic_slot_dataset

__all__ = [
    "CompressedCRF",
    "load_slot_dataset",
    "sequence_features",
    "span_f1",
    "synthetic_slot_dataset",
]
