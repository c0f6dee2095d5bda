"""A compressed linear-chain CRF tagger: quantized weights, hashed attributes.

:class:`CompressedCRF` predicts like a fitted ``sklearn_crfsuite.CRF`` (or a
CRFsuite model file) from the same input, lists of per-token feature dicts,
but keeps:

- the attribute strings as a :class:`~sklearn_compress.MinimalPerfectHash`
  with fingerprints (unseen attributes are ignored, as CRFsuite ignores
  them, except with probability ``2**-fingerprint_bits``);
- the state weights as integer codes with one scale per label, zeros
  dropped, stored by attribute (the labels and codes of each attribute,
  the last label of each attribute flagged in its lowest bit);
- the transition weights as an ``L x L`` matrix of one-byte codes.

Scoring and decoding are compiled kernels (:mod:`._decode`): per batch of
sequences, one hash lookup of all attribute names, one gather of their
entries, then Viterbi or forward-backward over the quantized scores.
sklearn-crfsuite is needed only to compress or train a ``CRF``, not to load
or run a :class:`CompressedCRF`.
"""

import os
from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._doc_link import DocLinkMixin
from .._sklearn_compat import Interval, fit_context
from .._tables import Array, Codec
from ..mph import MAX_SEED, MinimalPerfectHash, hash_keys
from ._attributes import c_string, is_item_sequence, sequence_attributes
from ._decode import entry_block_starts, sequence_marginals, state_scores, viterbi_paths
from ._model_file import read_model_bytes, weights_from_tagger_info

__all__ = ["CompressedCRF"]

# Sequences are scored in batches of at least this many attributes: one hash
# call and one lookup per batch, and a batch's score matrix stays small.
_BATCH_ATTRIBUTES = 1 << 14
# Slots are found from the first entry of their block of 2**_BLOCK_SHIFT
# slots, skipping the slots before them in the block (7.5 on average, 16
# entries with the SNIPS tagger's 2.2 entries per attribute; 0.3 us per
# sentence more than blocks of 4 slots). The index is then 8 bytes per 16
# slots, built in one pass at load: 7.5 KB for the 15k attributes of the
# SNIPS tagger, against 30 KB for the 16-bit offset per slot and 15 KB for
# the per-slot entry counts in the file that this layout replaced.
_BLOCK_SHIFT = 4
# Transitions are L*L codes whatever ``bits`` is (a byte each), so they always
# get the full 8-bit grid: decoding depends on them at every position.
_TRANSITION_BITS = 8
_NO_NAMED_WEIGHTS = (
    "CompressedCRF keeps no attribute names: its attributes are a minimal perfect "
    "hash, which maps a name to its weights but cannot list the names. Use the "
    "original sklearn_crfsuite.CRF for {what}."
)


def _max_code(bits):
    return 2 ** (bits - 1) - 1


def _label_scales(weights, n_labels, bits):
    """Per label, max |w| of its state weights over the largest code (1 if all zero)."""
    row_max = np.zeros(n_labels)
    np.maximum.at(row_max, weights.state_labels, np.abs(weights.state_weights))
    return np.where(row_max > 0, row_max, _max_code(bits)) / _max_code(bits)


def _check_finite(weights):
    if not (np.all(np.isfinite(weights.state_weights))
            and np.all(np.isfinite(weights.transition_weights))):
        raise ValueError("the CRF has NaN or infinite weights; they cannot be quantized")


def _quantized_transitions(weights, n_labels):
    max_abs = np.abs(weights.transition_weights).max(initial=0.0)
    scale = max_abs / _max_code(_TRANSITION_BITS) if max_abs > 0 else 1.0
    codes = np.zeros((n_labels, n_labels), dtype=np.int8)
    codes[weights.transition_from, weights.transition_to] = np.rint(
        weights.transition_weights / scale).astype(np.int8)
    return codes, float(scale)


def _state_entries(weights, scales, bits):
    """Kept state features (non-zero codes): attribute ids, label ids, codes."""
    max_code = _max_code(bits)
    codes = np.clip(np.rint(weights.state_weights / scales[weights.state_labels]),
                    -max_code, max_code).astype(np.int8)
    kept = codes != 0
    return weights.state_attributes[kept], weights.state_labels[kept], codes[kept]


def _hash_names(names, seed):
    try:
        has_nul = "\0" in "".join(names)  # one C-level pass in the common all-str case
    except TypeError:  # some names are bytes
        has_nul = True
    return hash_keys([c_string(name) for name in names] if has_nul else names, seed)


def _check_fitted(tagger):
    # check_is_fitted scans every attribute (3 us per call, 5% of tagging a
    # SNIPS sentence): a fitted tagger has its index, derived from all the rest.
    if "_block_starts" not in tagger.__dict__:
        check_is_fitted(tagger)


def _model_bytes(source):
    """The bytes of a CRFsuite model file given as a path or bytes."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            return f.read()
    raise TypeError(
        "from_crfsuite takes a CRFsuite model file (path or bytes) or an open "
        f"pycrfsuite.Tagger, got {type(source).__name__}")


def _crf_model_bytes(crf):
    """The model file of a fitted sklearn_crfsuite.CRF."""
    modelfile = getattr(crf, "modelfile", None)
    name = getattr(modelfile, "name", None)
    if name is None or not os.path.isfile(name):
        raise TypeError("this sklearn_crfsuite.CRF is not fitted (it has no model file); "
                        "compress a fitted CRF")
    with open(name, "rb") as f:
        return f.read()


class CompressedCRF(DocLinkMixin, BaseEstimator):
    """A linear-chain CRF tagger with 8-bit weights and hashed attributes.

    A drop-in replacement at prediction time for a fitted
    ``sklearn_crfsuite.CRF``: same input (lists of per-token feature dicts,
    read with python-crfsuite's exact rules), same :meth:`predict`,
    :meth:`predict_single`, :meth:`predict_marginals`,
    :meth:`predict_marginals_single` and :attr:`classes_`, and usable with
    ``sklearn_crfsuite.metrics``. Build it from a fitted CRF with
    :func:`sklearn_compress.compress` or :meth:`from_crf`, from a CRFsuite
    model file or ``pycrfsuite.Tagger`` with :meth:`from_crfsuite`, or train
    one with :meth:`fit` (which needs sklearn-crfsuite).

    State weights become integer codes on a grid of ``2**(bits-1) - 1`` steps
    each side of zero, one step size per label; codes that round to zero are
    dropped, and so are attributes left without codes. Transition weights
    become ``L x L`` one-byte codes on the 8-bit grid.

    Parameters
    ----------
    bits : int, default=8
        Bits per state weight code, in [2, 8].
    fingerprint_bits : int, default=8
        Fingerprint bits per attribute, in [0, 32]: an attribute never seen in
        training is ignored except with probability ``2**-fingerprint_bits``.
    gamma : float, default=1.0
        Size factor of the minimal perfect hash levels, in [1, 100].
    random_state : int, default=0
        Seed of the attribute hash, in [0, 2**32 - 1].
    crf_params : dict or None, default=None
        Parameters of the ``sklearn_crfsuite.CRF`` that :meth:`fit` trains.

    Attributes
    ----------
    classes_ : ndarray of str (object dtype)
        The labels, in CRFsuite's order (``CRF.classes_``).
    mph_ : MinimalPerfectHash
        The hash of the attribute names with a non-zero code.
    entry_labels_ : ndarray of uint8, uint16 or uint32
        Per entry (non-zero code), ``2 * label``, plus 1 on the last entry
        of its attribute. The entries of hash slot ``s`` follow those of
        slots ``0 .. s - 1``, in label order.
    state_codes_ : ndarray of int8
        The code of each entry.
    state_scales_ : ndarray of float64 of shape (n_labels,)
        The weight of one code step, per label.
    transition_codes_ : ndarray of int8 of shape (n_labels, n_labels)
    transition_scale_ : float

    Notes
    -----
    ``state_features_``, ``transition_features_`` and ``attributes_`` of the
    original CRF are gone: no attribute name is stored.

    Examples
    --------
    >>> import sklearn_crfsuite  # doctest: +SKIP
    >>> from sklearn_compress import compress  # doctest: +SKIP
    >>> crf = sklearn_crfsuite.CRF().fit(X_train, y_train)  # doctest: +SKIP
    >>> tagger = compress(crf)  # doctest: +SKIP
    >>> tagger.predict_single([{"word": "play"}, {"word": "jazz"}])  # doctest: +SKIP
    ['O', 'B-genre']

    Without sklearn-crfsuite, from a CRFsuite model file written elsewhere:

    >>> from sklearn_compress import CompressedCRF
    >>> CompressedCRF.from_crfsuite(b"not a model file" * 4)
    Traceback (most recent call last):
    ...
    ValueError: not a CRFsuite model file (no 'lCRF'/'FOMC' header): ...
    """

    _parameter_constraints: dict = {
        "bits": [Interval(Integral, 2, 8, closed="both")],
        "fingerprint_bits": [Interval(Integral, 0, 32, closed="both")],
        "gamma": [Interval(Real, 1, 100, closed="both")],
        "random_state": [Interval(Integral, 0, MAX_SEED, closed="both")],
        "crf_params": [dict, None],
    }

    def __init__(self, *, bits: int = 8, fingerprint_bits: int = 8, gamma: float = 1.0,
                 random_state: int = 0, crf_params: dict[str, Any] | None = None) -> None:
        self.bits = bits
        self.fingerprint_bits = fingerprint_bits
        self.gamma = gamma
        self.random_state = random_state
        self.crf_params = crf_params

    # -- building ------------------------------------------------------------

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> "CompressedCRF":
        """Train a ``sklearn_crfsuite.CRF(**crf_params)`` and compress it.

        Parameters
        ----------
        X : list of lists of dicts
            Per-token feature dicts of each sequence.
        y : list of lists of str
            Labels of each sequence.

        Returns
        -------
        self : CompressedCRF
            The fitted tagger.
        """
        import sklearn_crfsuite  # an optional dependency, needed to train only

        crf = sklearn_crfsuite.CRF(**(self.crf_params or {})).fit(X, y)
        return self._compress(read_model_bytes(_crf_model_bytes(crf)))

    @classmethod
    def from_crf(cls, crf: Any, **params: Any) -> "CompressedCRF":
        """Compress a fitted ``sklearn_crfsuite.CRF`` (its exact float64 weights).

        Parameters
        ----------
        crf : sklearn_crfsuite.CRF
            A fitted CRF; it is left untouched.
        **params
            Parameters of the new tagger (``bits``, ``fingerprint_bits``, ...).

        Returns
        -------
        CompressedCRF
        """
        tagger = cls(**params)
        tagger._validate_params()
        return tagger._compress(read_model_bytes(_crf_model_bytes(crf)))

    @classmethod
    def from_crfsuite(cls, model: Any, **params: Any) -> "CompressedCRF":
        """Compress a model trained with python-crfsuite (or the CRFsuite tool).

        Parameters
        ----------
        model : str, path-like, bytes or pycrfsuite.Tagger
            A ``.crfsuite`` model file, its bytes, or an open Tagger. A Tagger
            does not give its model bytes back, so its weights are read from
            its ``info()`` dump, which rounds them to 6 decimals; pass the
            file for the exact weights.
        **params
            Parameters of the new tagger (``bits``, ``fingerprint_bits``, ...).

        Returns
        -------
        CompressedCRF

        Raises
        ------
        ValueError
            If the file is not a CRFsuite linear-chain model.
        """
        tagger = cls(**params)
        tagger._validate_params()
        if type(model).__name__ == "Tagger" and hasattr(model, "info"):
            weights = weights_from_tagger_info(model)
        else:
            weights = read_model_bytes(_model_bytes(model))
        return tagger._compress(weights)

    def _compress(self, weights):
        _check_finite(weights)
        n_labels = len(weights.labels)
        if n_labels == 0:
            raise ValueError("the CRF model has no labels")
        scales = _label_scales(weights, n_labels, self.bits)
        attributes, labels, codes = _state_entries(weights, scales, self.bits)
        kept = np.unique(attributes)
        hashes = _hash_names([weights.attributes[a] for a in kept.tolist()], self.random_state)
        self.mph_ = MinimalPerfectHash.build_from_hashes(
            hashes, gamma=float(self.gamma), fingerprint_bits=int(self.fingerprint_bits),
            seed=int(self.random_state))
        slot_of_attribute = np.full(len(weights.attributes), -1, dtype=np.int64)
        slot_of_attribute[kept] = self.mph_.lookup_hashes(hashes)
        slots = slot_of_attribute[attributes]
        order = np.lexsort((labels, slots))
        self.entry_labels_ = _entry_labels(labels[order], slots[order], n_labels)
        self.state_codes_ = codes[order]
        self.state_scales_ = scales
        self.transition_codes_, self.transition_scale_ = _quantized_transitions(
            weights, n_labels)
        self.classes_ = np.array(weights.labels, dtype=object)
        _build_entry_index(self)
        return self

    # -- scoring ---------------------------------------------------------------

    def _scored_batches(self, X):
        """Yield ``(state scores of all tokens, end of each sequence)`` per batch of ``X``."""
        if isinstance(X, (dict, str, bytes)) or is_item_sequence(X):
            raise TypeError("X must be a list of sequences (lists of per-token feature "
                            f"dicts), got a {type(X).__name__}; use predict_single for one "
                            "sequence")
        names, values, token_ends, sequence_ends = [], [], [], []
        for xseq in X:
            sequence_attributes(xseq, names, values, token_ends)
            sequence_ends.append(len(token_ends))
            if len(names) >= _BATCH_ATTRIBUTES:
                yield self._batch_scores(names, values, token_ends, sequence_ends)
                names, values, token_ends, sequence_ends = [], [], [], []
        if sequence_ends:
            yield self._batch_scores(names, values, token_ends, sequence_ends)

    def _sequence_scores(self, xseq):
        """``(state scores, [n_tokens])`` of one sequence, without a batch's generators."""
        names, values, token_ends = [], [], []
        sequence_attributes(xseq, names, values, token_ends)
        return self._batch_scores(names, values, token_ends, [len(token_ends)])

    def _batch_scores(self, names, values, token_ends, sequence_ends):
        # One hash and lookup call for every attribute of the batch, then one
        # compiled gather of their entries into the (tokens, labels) scores.
        slots = self.mph_.lookup_hashes(_hash_names(names, int(self.random_state)))
        scores = state_scores(slots, values, token_ends, self._block_starts, _BLOCK_SHIFT,
                              self.entry_labels_, self.state_codes_, self.state_scales_)
        return scores, np.asarray(sequence_ends, dtype=np.int64)

    def _paths(self, X):
        """The label lists of the sequences of ``X``."""
        for scores, sequence_ends in self._scored_batches(X):
            labels = self.classes_[viterbi_paths(
                scores, sequence_ends, self.transition_codes_, self.transition_scale_)].tolist()
            begin = 0
            for end in sequence_ends.tolist():
                yield labels[begin:end]
                begin = end

    def _marginal_dicts(self, X):
        """Per sequence of ``X``, one ``{label: probability}`` dict per token."""
        classes = self.classes_.tolist()
        for scores, sequence_ends in self._scored_batches(X):
            rows = sequence_marginals(scores, sequence_ends, self.transition_codes_,
                                      self.transition_scale_).tolist()
            begin = 0
            for end in sequence_ends.tolist():
                yield [dict(zip(classes, row, strict=True)) for row in rows[begin:end]]
                begin = end

    # -- prediction API (sklearn_crfsuite.CRF's) -------------------------------

    def predict(self, X: Any) -> NDArray[Any]:
        """Label sequences of ``X``, as ``CRF.predict``.

        Parameters
        ----------
        X : list of lists of dicts
            Per-token feature dicts of each sequence (or ``ItemSequence``\\ s).

        Returns
        -------
        y : ndarray of object
            ``np.array([predict_single(xseq) for xseq in X], dtype=object)``,
            as ``CRF.predict`` builds it.
        """
        _check_fitted(self)
        return np.array(list(self._paths(X)), dtype=object)

    def predict_single(self, xseq: Any) -> list[str]:
        """Label sequence of one sequence of per-token feature dicts.

        Parameters
        ----------
        xseq : list of dicts, or ItemSequence
            One dict (or list of attribute strings) per token.

        Returns
        -------
        y : list of str
        """
        _check_fitted(self)
        # Directly, not through predict's batches: 1 us (2%) less per SNIPS sentence.
        scores, sequence_ends = self._sequence_scores(xseq)
        return self.classes_[viterbi_paths(scores, sequence_ends, self.transition_codes_,
                                           self.transition_scale_)].tolist()

    def predict_marginals(self, X: Any) -> NDArray[Any]:
        """Marginal probabilities of every label at every token of each sequence.

        Parameters
        ----------
        X : list of lists of dicts

        Returns
        -------
        y : ndarray of object
            Per sequence, a list of ``{label: probability}`` dicts, one per token.
        """
        _check_fitted(self)
        return np.array(list(self._marginal_dicts(X)), dtype=object)

    def predict_marginals_single(self, xseq: Any) -> list[dict[str, float]]:
        """Marginal probabilities of every label at every token of one sequence.

        Parameters
        ----------
        xseq : list of dicts, or ItemSequence

        Returns
        -------
        y : list of dict
            One ``{label: probability}`` dict per token.
        """
        _check_fitted(self)
        scores, sequence_ends = self._sequence_scores(xseq)
        rows = sequence_marginals(scores, sequence_ends, self.transition_codes_,
                                  self.transition_scale_).tolist()
        return [dict(zip(self.classes_.tolist(), row, strict=True)) for row in rows]

    def score(self, X: Any, y: Any) -> float:
        """Share of tokens labelled correctly (``CRF.score``: flat accuracy).

        Parameters
        ----------
        X : list of lists of dicts
        y : list of lists of str

        Returns
        -------
        score : float
        """
        predicted = [label for sequence in self.predict(X) for label in sequence]
        expected = [label for sequence in y for label in sequence]
        if len(predicted) != len(expected):
            raise ValueError(f"y has {len(expected)} labels for {len(predicted)} tokens of X")
        return float(np.mean(np.asarray(predicted, dtype=object)
                             == np.asarray(expected, dtype=object))) if expected else 0.0

    # -- introspection ------------------------------------------------------

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays that prediction reads (hash, index, codes, scales)."""
        _check_fitted(self)
        arrays = (self._block_starts, self.entry_labels_, self.state_codes_,
                  self.state_scales_, self.transition_codes_)
        return self.mph_.nbytes + sum(array.nbytes for array in arrays)

    @property
    def state_features_(self):
        """Not available: no attribute names are stored (raises AttributeError)."""
        raise AttributeError(_NO_NAMED_WEIGHTS.format(what="state_features_"))

    @property
    def transition_features_(self):
        """Not available as named weights (raises AttributeError)."""
        raise AttributeError(_NO_NAMED_WEIGHTS.format(what="transition_features_"))

    @property
    def attributes_(self):
        """Not available: no attribute names are stored (raises AttributeError)."""
        raise AttributeError(_NO_NAMED_WEIGHTS.format(what="attributes_"))

    def __getstate__(self):
        state = super().__getstate__()
        # The entry index is rebuilt from entry_labels_ on loading.
        return {k: v for k, v in state.items() if k not in _DERIVED_INDEX}

    def __setstate__(self, state):
        super().__setstate__(state)
        if "entry_labels_" in state:
            _build_entry_index(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.dict = True
        tags.target_tags.required = True
        return tags


# -- compress() and save()/load() ------------------------------------------------


def _rewrite_crf(model, column_scale, options):
    """compress() of a bare fitted CRF; ``per_class`` does not apply (scales are per label)."""
    if column_scale is not None:
        raise TypeError("a CRF tagger cannot follow a scaling step in a Pipeline")
    return CompressedCRF.from_crf(model, bits=options.bits,
                                  fingerprint_bits=options.fingerprint_bits,
                                  gamma=options.gamma, random_state=options.random_state)


_DERIVED_INDEX = ("_block_starts",)


def _entry_labels(labels, slots, n_labels):
    """``2 * label``, plus 1 where the next entry is another slot's (or there is none)."""
    last = np.ones(len(slots), dtype=bool)
    last[:-1] = slots[1:] != slots[:-1]
    return (labels * 2 + last).astype(np.min_scalar_type(2 * n_labels - 1))


def _from_entry_counts(tagger):
    """Convert the layout of earlier files: per-slot entry counts and plain label ids."""
    counts = tagger.__dict__.pop("entry_counts_")
    labels = tagger.__dict__.pop("label_ids_", None)
    if labels is None or len(labels) != len(tagger.state_codes_) or counts.sum(
            dtype=np.uint64) != len(labels):
        raise ValueError("the attribute index, label ids and codes disagree on the entry count")
    if np.any(counts == 0):
        raise ValueError("an attribute has no entries")
    n_labels = len(tagger.classes_)
    if len(labels) and int(labels.max()) >= n_labels:
        raise ValueError(f"label ids reach {labels.max()} for {n_labels} labels")
    slots = np.repeat(np.arange(len(counts)), counts)
    tagger.entry_labels_ = _entry_labels(labels.astype(np.int64), slots, max(n_labels, 1))


def _build_entry_index(tagger):
    """The first entry of each block of slots, after checking the entries' layout."""
    if getattr(tagger, "entry_counts_", None) is not None:
        _from_entry_counts(tagger)
    entry_labels = getattr(tagger, "entry_labels_", None)
    if entry_labels is None:
        raise ValueError("the tagger has no entry_labels_")
    if len(entry_labels) != len(tagger.state_codes_):
        raise ValueError(f"{len(entry_labels)} entry labels for {len(tagger.state_codes_)} "
                         "codes")
    tagger._block_starts = entry_block_starts(entry_labels, len(tagger.mph_),
                                              len(tagger.classes_), _BLOCK_SHIFT)


def _check_tagger(tagger):
    # The entries' layout (labels, slots, count) is checked by _build_entry_index.
    n_labels = len(tagger.classes_)
    if n_labels == 0:
        raise ValueError("the tagger has no labels")
    max_code = _max_code(tagger.bits)
    codes = tagger.state_codes_
    if codes.size and (codes.min() < -max_code or codes.max() > max_code):
        raise ValueError(f"state codes outside +-{max_code} for {tagger.bits} bits")
    if tagger.state_scales_.shape != (n_labels,) or np.any(tagger.state_scales_ < 0):
        raise ValueError(f"state_scales_ must be {n_labels} non-negative numbers")
    if tagger.transition_codes_.shape != (n_labels, n_labels):
        raise ValueError(f"transition codes of shape {tagger.transition_codes_.shape} for "
                         f"{n_labels} labels")


def _crf_rewrites():
    try:
        import sklearn_crfsuite
    except ImportError:  # the optional extra is not installed: nothing to compress
        return {}
    return {sklearn_crfsuite.CRF: _rewrite_crf}


_LABELS = ("uint8", "uint16", "uint32")
MODEL_REWRITES = _crf_rewrites()
FILE_CODECS = (
    Codec(
        CompressedCRF,
        arrays={
            "entry_labels_": Array(_LABELS, (1,), optional=True),
            # The layout of earlier files, converted at load.
            "entry_counts_": Array(("uint8", "uint16", "uint32", "uint64"), (1,), optional=True),
            "label_ids_": Array(_LABELS, (1,), optional=True),
            "state_codes_": Array(("int8",), (1,)),
            "state_scales_": Array(("float64",), (1,)),
            "transition_codes_": Array(("int8",), (2,)),
        },
        numbers={"transition_scale_": (float, 0.0, float("inf"), False)},
        children=("mph_",),
        has_classes=True,
        restore=_build_entry_index,
        check=_check_tagger,
    ),
)
