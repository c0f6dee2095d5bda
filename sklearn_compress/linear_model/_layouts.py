"""Storage layouts of a quantized model's integer codes, with one interface.

A layout holds the (n_features, n_outputs) int8 (or int16) codes of a
:class:`QuantizedLinearModel` and answers what prediction, re-indexing and
loading ask of it. :func:`pack` picks the smallest of:

- :class:`SparseCodes`: for feature ``j`` the outputs
  ``output_ids[indptr[j]:indptr[j+1]]`` have the non-zero codes
  ``codes[indptr[j]:indptr[j+1]]``;
- :class:`DenseCodes`: an int8 (n_features, n_outputs) matrix, smaller when
  few codes are zero;
- :class:`FeatureListCodes`: one output only (a binary classifier, a
  single-output regressor): the non-zero codes and the sorted ids of their
  features, 3 bytes per non-zero code (uint16 ids) and nothing per feature,
  smaller than the dense column when fewer than a third of the codes are
  non-zero (a one-vs-rest member on CLINC150: 15%).

Each layout class answers :meth:`stored_bytes` (its size for a given shape
and number of non-zero codes, None where it does not apply) and
:meth:`from_csr` (the layout of codes given by feature). The model keeps the
layout's arrays as its fitted attributes (``layout_``, ``codes_``,
``indptr_``, ``output_ids_``, ``feature_ids_``) and gets the layout back with
:func:`layout_of`; nothing else looks at ``layout_``.
"""

import numpy as np

from ._layouts_fast import index_from_counts, is_increasing, value_range
from ._scoring_fast import scattered_scores

__all__ = ["LAYOUTS", "DenseCodes", "FeatureListCodes", "SparseCodes", "compact_index",
           "expanded_index", "gather_rows", "layout_of", "pack", "rows_of_entries"]

_INT32_MAX = np.iinfo(np.int32).max


def rows_of_entries(counts):
    """For entries stored row after row, ``counts[i]`` in row ``i``: each entry's row."""
    return np.repeat(np.arange(len(counts)), counts)


def gather_rows(indptr, rows):
    """Positions of the entries of ``rows`` (in that order) and their new indptr."""
    starts = indptr[rows].astype(np.int64)
    counts = indptr[rows + 1] - starts
    new_indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=new_indptr[1:])
    # Entry k of the output comes from starts[row] + (k - new_indptr[row]).
    positions = np.arange(new_indptr[-1]) + np.repeat(starts - new_indptr[:-1], counts)
    return positions, new_indptr


class DenseCodes:
    """All codes as an int8 (n_features, n_outputs) matrix."""

    name = "dense"
    # Prediction reads blocks of rows; scoring a few entries one by one gains nothing.
    scatters = False

    def __init__(self, codes):
        self.codes = codes

    @classmethod
    def from_model(cls, model):
        return cls(model.codes_)

    @staticmethod
    def stored_bytes(n_features, n_outputs, nnz, code_dtype):
        return n_features * n_outputs * np.dtype(code_dtype).itemsize

    @classmethod
    def from_csr(cls, indptr, output_ids, codes, n_outputs, code_dtype):
        dense = np.zeros((len(indptr) - 1, n_outputs), dtype=code_dtype)
        dense[rows_of_entries(np.diff(indptr)), output_ids] = codes
        return cls(dense)

    def attributes(self):
        """The model's fitted attributes holding this layout."""
        return {"layout_": self.name, "codes_": self.codes, "indptr_": None,
                "output_ids_": None, "feature_ids_": None}

    def arrays(self):
        return [self.codes]

    def rows(self, features):
        """Float64 (len(features), n_outputs) codes of only these features."""
        return self.codes[features].astype(np.float64)

    def zero_features(self):
        return ~self.codes.any(axis=1)

    def take(self, indices):
        """The layout whose feature ``k`` is feature ``indices[k]`` (-1: no codes)."""
        dense = self.codes[indices]
        dense[indices < 0] = 0
        rows, output_ids = np.nonzero(dense)
        return pack(_indptr_of_rows(rows, len(indices)), output_ids, dense[rows, output_ids],
                    self.codes.shape[1])

    def check(self, n_features, n_outputs):
        """Raise ValueError unless the arrays describe n_features x n_outputs codes."""
        if self.codes.shape != (n_features, n_outputs):
            raise ValueError(f"dense codes of shape {self.codes.shape} for "
                             f"{n_features} features and {n_outputs} outputs")


class SparseCodes:
    """The non-zero codes feature after feature, with their outputs."""

    name = "sparse"
    scatters = True

    def __init__(self, codes, indptr, output_ids, n_outputs):
        self.codes = codes
        self.indptr = indptr
        self.output_ids = output_ids
        self.n_outputs = n_outputs

    @classmethod
    def from_model(cls, model):
        return cls(model.codes_, getattr(model, "indptr_", None),
                   getattr(model, "output_ids_", None), model.n_outputs_)

    @staticmethod
    def stored_bytes(n_features, n_outputs, nnz, code_dtype):
        return (n_features + 1) * _index_dtype(nnz).itemsize + nnz * (
            _id_dtype(n_outputs).itemsize + np.dtype(code_dtype).itemsize)

    @classmethod
    def from_csr(cls, indptr, output_ids, codes, n_outputs, code_dtype):
        return cls(np.asarray(codes, dtype=code_dtype),
                   np.asarray(indptr, dtype=_index_dtype(len(codes))),
                   np.asarray(output_ids, dtype=_id_dtype(n_outputs)), n_outputs)

    def attributes(self):
        return {"layout_": self.name, "codes_": self.codes, "indptr_": self.indptr,
                "output_ids_": self.output_ids, "feature_ids_": None}

    def arrays(self):
        return [self.codes, self.indptr, self.output_ids]

    def rows(self, features):
        positions, indptr = gather_rows(self.indptr, features)
        weights = np.zeros((len(features), self.n_outputs))
        rows = rows_of_entries(np.diff(indptr))
        weights[rows, self.output_ids[positions]] = self.codes[positions]
        return weights

    def zero_features(self):
        return np.diff(self.indptr) == 0

    def take(self, indices):
        # -1 reads one extra, empty row past the last feature.
        extended = np.append(self.indptr, self.indptr[-1])
        rows = np.where(indices < 0, len(self.indptr) - 1, indices)
        positions, indptr = gather_rows(extended, rows)
        return pack(indptr, self.output_ids[positions], self.codes[positions], self.n_outputs)

    def scattered_scores(self, X):
        """Unscaled (n_samples, n_outputs) scores of CSR ``X``, adding up each entry's codes.

        Cheaper than gathering a dense block of weights when there is little
        to gather; the sum is the same up to floating-point rounding. Compiled
        (:func:`scattered_scores` of ``_scoring_fast``): 5 us for one
        CLINC150 utterance against 34 us in numpy calls (gather, repeat, bincount).
        """
        return scattered_scores(self.codes, self.indptr, self.output_ids, self.n_outputs,
                                X.data, X.indices, X.indptr)

    def check(self, n_features, n_outputs):
        indptr, ids, codes = self.indptr, self.output_ids, self.codes
        if indptr is None or ids is None or codes.ndim != 1:
            raise ValueError("a sparse layout needs indptr_, output_ids_ and 1-D codes_")
        if len(indptr) != n_features + 1 or indptr[0] != 0 or not is_increasing(indptr):
            raise ValueError("indptr_ is not a monotone index over the features")
        if indptr[-1] != len(codes) or len(ids) != len(codes):
            raise ValueError("indptr_, output_ids_ and codes_ disagree on the entry count")
        highest = value_range(ids)[1] if len(ids) else -1
        if highest >= n_outputs:
            raise ValueError(f"output_ids_ reach {highest} for {n_outputs} outputs")


class FeatureListCodes:
    """One output's non-zero codes and the increasing ids of their features."""

    name = "feature_list"
    scatters = True

    def __init__(self, codes, feature_ids, n_features):
        self.codes = codes
        self.feature_ids = feature_ids
        self.n_features = n_features

    @classmethod
    def from_model(cls, model):
        return cls(model.codes_, getattr(model, "feature_ids_", None), model.n_features_in_)

    @staticmethod
    def stored_bytes(n_features, n_outputs, nnz, code_dtype):
        if n_outputs != 1:
            return None
        return nnz * (_id_dtype(n_features).itemsize + np.dtype(code_dtype).itemsize)

    @classmethod
    def from_csr(cls, indptr, output_ids, codes, n_outputs, code_dtype):
        n_features = len(indptr) - 1
        features = rows_of_entries(np.diff(indptr))
        return cls(np.asarray(codes, dtype=code_dtype),
                   features.astype(_id_dtype(n_features)), n_features)

    def attributes(self):
        return {"layout_": self.name, "codes_": self.codes, "indptr_": None,
                "output_ids_": None, "feature_ids_": self.feature_ids}

    def arrays(self):
        return [self.codes, self.feature_ids]

    def _positions(self, features):
        """Position of each feature's code, and whether it has one."""
        positions = np.searchsorted(self.feature_ids, features)
        found = positions < len(self.feature_ids)
        found[found] = self.feature_ids[positions[found]] == features[found]
        return positions, found

    def rows(self, features):
        features = np.asarray(features)
        positions, found = self._positions(features)
        weights = np.zeros((len(features), 1))
        weights[found, 0] = self.codes[positions[found]]
        return weights

    def zero_features(self):
        mask = np.ones(self.n_features, dtype=bool)
        mask[self.feature_ids] = False
        return mask

    def take(self, indices):
        positions, found = self._positions(indices)
        found &= indices >= 0
        rows = np.flatnonzero(found)
        return pack(_indptr_of_rows(rows, len(indices)), np.zeros(len(rows), dtype=np.intp),
                    self.codes[positions[found]], 1)

    def scattered_scores(self, X):
        """Unscaled (n_samples, 1) scores of CSR ``X``, adding up each entry's code."""
        positions, found = self._positions(X.indices)
        weights = X.data[found] * self.codes[positions[found]]
        sample_of_nonzero = rows_of_entries(np.diff(X.indptr))[found]
        return np.bincount(sample_of_nonzero, weights=weights,
                           minlength=X.shape[0]).reshape(-1, 1)

    def check(self, n_features, n_outputs):
        ids, codes = self.feature_ids, self.codes
        if n_outputs != 1:
            raise ValueError(f"a feature list holds one output, not {n_outputs}")
        if ids is None or codes.ndim != 1 or len(ids) != len(codes):
            raise ValueError("a feature list needs feature_ids_ and 1-D codes_ of one length")
        if len(ids) and (not is_increasing(ids, strictly=True) or ids[-1] >= n_features):
            raise ValueError(f"feature_ids_ are not increasing ids of the {n_features} "
                             "features")


# In the order pack() prefers them on equal sizes.
LAYOUTS = {layout.name: layout for layout in (SparseCodes, DenseCodes, FeatureListCodes)}


def layout_of(model):
    """The layout object over a fitted model's code attributes."""
    return LAYOUTS[model.layout_].from_model(model)


def _index_dtype(nnz):
    return np.dtype(np.int32 if nnz <= _INT32_MAX else np.int64)


def _id_dtype(n_ids):
    """The smallest unsigned type of ids in [0, n_ids)."""
    return np.min_scalar_type(max(n_ids - 1, 0))


def _indptr_of_rows(rows, n_rows):
    """The CSR index of entries in increasing ``rows``."""
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return indptr


def pack(indptr, output_ids, codes, n_outputs):
    """The smallest layout of codes given by feature (CSR)."""
    n_features = len(indptr) - 1
    code_dtype = np.int16 if np.asarray(codes).dtype == np.int16 else np.int8
    sizes = {layout: layout.stored_bytes(n_features, n_outputs, len(codes), code_dtype)
             for layout in LAYOUTS.values()}
    smallest = min((layout for layout in sizes if sizes[layout] is not None), key=sizes.get)
    return smallest.from_csr(indptr, output_ids, codes, n_outputs, code_dtype)


def compact_index(state):
    """``state`` with ``indptr_`` replaced by per-feature entry counts.

    A count fits in a byte (or two) where an offset takes four or eight: this
    is what pickles and files store; :func:`expanded_index` undoes it.
    """
    if state.get("indptr_") is None:
        return state
    state = dict(state)
    counts = np.diff(state.pop("indptr_"))
    state["entry_counts_"] = counts.astype(np.min_scalar_type(int(counts.max(initial=0))))
    return state


def expanded_index(state):
    """The inverse of :func:`compact_index`: rebuild ``indptr_`` from the counts."""
    if "entry_counts_" not in state:
        return state
    state = dict(state)
    counts = state.pop("entry_counts_")
    state["indptr_"] = index_from_counts(counts, _INT32_MAX)
    return state
