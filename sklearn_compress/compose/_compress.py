"""compress(): turn a fitted text pipeline into a small drop-in copy.

A supported pipeline is ``[vectorizer] + [column-wise or row-wise steps] +
linear model``. The model's weights are quantized; features whose codes are
all zero, and features that a selector drops, leave the vectorizer's hash;
every remaining per-feature array (idf, scales) is re-indexed to the hash
slots. Each step type is handled by one function that the step's own module
declares in a table (``VECTORIZER_REWRITES``, ``STEP_REWRITES``,
``MODEL_REWRITES``); this driver only collects the tables (see
``docs/architecture.md``).
"""

from dataclasses import dataclass, replace
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.feature_selection import SelectorMixin
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._sklearn_compat import Interval, validate_parameter_constraints
from .._tables import PASSTHROUGH, StepRewrite
from ..feature_extraction import _dict_vectorizer, _text, _tfidf
from ..linear_model import _quantized
from . import _column_steps
from ._fidelity import (
    Reference,
    calibration_magnitude,
    measure_fidelity,
    progress_printer,
    search_smallest,
    warn_if_low_agreement,
    warn_unmeasured_risks,
)

__all__ = ["compress"]

# The modules whose tables compress() collects; a new estimator module is
# added here and nowhere else.
_CONTRIBUTORS = (_dict_vectorizer, _text, _tfidf, _column_steps, _quantized)


def _collect(table):
    merged = {}
    for module in _CONTRIBUTORS:
        merged.update(getattr(module, table, {}))
    return merged


# vectorizer type -> rewrite(step, keep, options) -> (new step, columns)
VECTORIZER_REWRITES = _collect("VECTORIZER_REWRITES")
# middle step type -> rewrite(step, features) -> StepRewrite
STEP_REWRITES = _collect("STEP_REWRITES")
# final model type -> rewrite(model, column_scale, options) -> compressed model
MODEL_REWRITES = _collect("MODEL_REWRITES")


@dataclass(frozen=True)
class CompressOptions:
    bits: int
    per_class: bool
    fingerprint_bits: int | str
    gamma: float
    random_state: int
    sparsity: str | float = "rounding"
    # Largest |value| of each input column of the final model, measured on a
    # calibration sample (None without one).
    calibration_magnitude: np.ndarray | None = None
    # The same after the folded scales, as the model rewrite quantizes for it.
    input_magnitude: np.ndarray | None = None


def _find_handler(registry, step):
    for step_type in type(step).__mro__:
        if step_type in registry:
            return registry[step_type]
    return None


def _names(registry):
    return ", ".join(sorted(t.__name__ for t in registry))


def _supported_names():
    return (f"{_names({**VECTORIZER_REWRITES, **STEP_REWRITES})} and a final model "
            f"({_names(MODEL_REWRITES)})")


# -- the driver --------------------------------------------------------------------


def _check_fitted(name, step):
    try:
        check_is_fitted(step)
    except NotFittedError:
        raise TypeError(
            f"step {name!r} ({type(step).__name__}) is not fitted; compress() needs a "
            "fitted pipeline"
        ) from None


def _split_pipeline(pipeline):
    """(vectorizer name and step or None, middle steps, model name and step)."""
    steps = [(name, step) for name, step in pipeline.steps]
    for name, step in steps:
        if step not in (None, PASSTHROUGH):
            _check_fitted(name, step)
    model_name, model = steps[-1]
    vectorizer = None
    if steps[:-1] and _find_handler(VECTORIZER_REWRITES, steps[0][1]) is not None:
        vectorizer = steps[0]
        steps = steps[1:]
    middle = steps[:-1]
    for name, step in middle:
        if step in (None, PASSTHROUGH):
            continue
        if _find_handler(STEP_REWRITES, step) is None:
            raise TypeError(
                f"step {name!r} ({type(step).__name__}) is not supported by compress(); "
                f"supported steps: {_supported_names()}"
            )
    return vectorizer, middle, (model_name, model)


def _input_width(vectorizer, middle, model):
    if vectorizer is not None:
        return len(vectorizer[1].get_feature_names_out())
    for _, step in [*middle, ("model", model)]:
        if hasattr(step, "n_features_in_"):
            return step.n_features_in_
    raise TypeError("cannot tell the number of input features of this pipeline")


def _feature_spaces(middle, n_columns):
    """For each middle step, the original column of each of its input features."""
    origin = np.arange(n_columns)
    spaces = []
    for _, step in middle:
        spaces.append(origin)
        if isinstance(step, SelectorMixin):
            origin = origin[step.get_support(indices=True)]
    return spaces, origin


def _positions(origin, n_columns, wanted):
    """Index in a feature space (given by its ``origin``) of each wanted column."""
    where = np.full(n_columns, -1, dtype=np.int64)
    where[origin] = np.arange(len(origin))
    return where[wanted]


def _rewrite_middle(middle, spaces, n_columns, columns):
    rewrites = []
    for (_, step), origin in zip(middle, spaces, strict=True):
        if step in (None, PASSTHROUGH):
            rewrites.append(StepRewrite(step, column_wise=True))
            continue
        handler = _find_handler(STEP_REWRITES, step)
        rewrites.append(handler(step, _positions(origin, n_columns, columns)))
    return rewrites


def _foldable(rewrites):
    """Steps whose column scale can move into the weights: nothing row-wise follows."""
    foldable, tail_is_column_wise = [], True
    for rewrite in reversed(rewrites):
        foldable.append(tail_is_column_wise and rewrite.column_scale is not None)
        tail_is_column_wise = tail_is_column_wise and rewrite.column_wise
    return foldable[::-1]


def _seen_by_row_wise_steps(spaces, rewrites):
    """Columns a row-wise step reads (e.g. into a row norm): they must stay.

    A feature with all-zero weights can leave the vocabulary only if no step
    mixes it with other features on the way to the model.
    """
    for origin, rewrite in zip(spaces, rewrites, strict=True):
        if not rewrite.column_wise:
            return origin
    return np.zeros(0, dtype=np.int64)


def _folded_input_magnitude(rewrites, fold, measured):
    """Largest magnitude of each input of the model once the folded scales are in its weights.

    ``measured`` (at the model's own input, from a calibration sample) is
    carried back through each folded scale; without it, the earliest folded
    scaler states its input's magnitude (e.g. ``max_abs_``), and inputs of
    other steps count as one-hot (None: one grid for all features).
    """
    declared = None
    for rewrite, folded in zip(reversed(rewrites), reversed(fold), strict=True):
        if folded:
            declared = rewrite.input_magnitude
            if measured is not None:
                measured = measured / rewrite.column_scale
    if measured is None:
        return declared
    # A feature absent from the sample keeps what the pipeline states.
    fallback = np.ones_like(measured) if declared is None else declared
    return np.where(measured > 0, measured, fallback)


# fingerprint_bits="auto": test rows carry many unseen n-grams. With a row
# norm every n-gram stays in the hash: at 8 bits 62 of CLINC150's 5,500 tf-idf
# test rows took one for a seen n-gram (largest predict_proba change 0.28),
# none at 16 bits. Dict models keep only features with weights: 65 rows at 8
# bits, 13 at 12, 2 at 16; 14 bits keep SNIPS files within 10% of 8 bits
# (16 bits: +11.7%).
_AUTO_FINGERPRINT_BITS = {True: 16, False: 14}


def _sized_fingerprints(options, vectorizer, read_by_row_norm):
    """``options`` with "auto" fingerprint bits resolved for this vectorizer."""
    if options.fingerprint_bits != "auto":
        return options
    row_norm = read_by_row_norm or getattr(vectorizer, "norm", None) is not None
    return replace(options, fingerprint_bits=_AUTO_FINGERPRINT_BITS[row_norm])


def _rewrite_model(model_name, model, column_scale, options):
    """The final model's rewrite; the result has ``zero_features_`` and ``take_features``."""
    handler = MODEL_REWRITES.get(type(model))  # exact classes: a subclass may differ
    if handler is None:
        raise TypeError(
            f"final step {model_name!r}: {type(model).__name__} is not supported by "
            f"compress(); supported final models (exact classes): {_names(MODEL_REWRITES)}"
        )
    return handler(model, column_scale, options)


def _compress_pipeline(pipeline, options):
    vectorizer, middle, (model_name, model) = _split_pipeline(pipeline)
    n_columns = _input_width(vectorizer, middle, model)
    spaces, model_origin = _feature_spaces(middle, n_columns)

    # Fold column scales into the weights in the model's own feature order.
    in_model_order = _rewrite_middle(middle, spaces, n_columns, model_origin)
    fold = _foldable(in_model_order)
    column_scale = None
    for rewrite, folded in zip(in_model_order, fold, strict=True):
        if folded:
            column_scale = rewrite.column_scale * (1.0 if column_scale is None else column_scale)
    magnitude = _folded_input_magnitude(in_model_order, fold, options.calibration_magnitude)
    quantized = _rewrite_model(model_name, model, column_scale,
                               replace(options, input_magnitude=magnitude))

    new_steps = []
    if vectorizer is not None:
        keep = np.zeros(n_columns, dtype=bool)
        keep[model_origin[~quantized.zero_features_]] = True
        read_by_row_norm = _seen_by_row_wise_steps(spaces, in_model_order)
        keep[read_by_row_norm] = True
        handler = _find_handler(VECTORIZER_REWRITES, vectorizer[1])
        options = _sized_fingerprints(options, vectorizer[1], len(read_by_row_norm) > 0)
        new_vectorizer, columns = handler(vectorizer[1], keep, options)
        new_steps.append((vectorizer[0], new_vectorizer))
    else:
        columns = np.arange(n_columns)
    rewrites = _rewrite_middle(middle, spaces, n_columns, columns)
    for (name, _), rewrite, folded in zip(middle, rewrites, fold, strict=True):
        new_steps.append((name, PASSTHROUGH if folded else rewrite.step))
    new_steps.append(
        (model_name, quantized.take_features(_positions(model_origin, n_columns, columns)))
    )
    params = pipeline.get_params(deep=False)
    params["steps"] = new_steps
    return Pipeline(**params)


def compress(model, X=None, *, min_agreement=None, bits=8, per_class=True, sparsity="global",
             fingerprint_bits="auto", gamma=1.0, random_state=0, verbose=0):
    """Compress a fitted pipeline: quantized weights, hashed vocabulary.

    With a calibration sample ``X`` of the model's inputs, compress() also
    quantizes each feature for the largest magnitude it takes in ``X`` and
    checks the result against the original on ``X``: it warns below 99%
    agreement, or, given ``min_agreement``, returns the smallest model
    (bytes of the file :func:`save` writes) that reaches it.

    Parameters
    ----------
    model : Pipeline or linear estimator
        A fitted ``Pipeline`` made of an optional vectorizer (``DictVectorizer``,
        ``CountVectorizer`` or ``TfidfVectorizer``), any number of supported
        middle steps (``TfidfTransformer``, ``MaxAbsScaler``,
        ``StandardScaler(with_mean=False)``, feature selectors,
        ``Normalizer``) and a final linear model; or a bare fitted linear
        model. It is left untouched.
    X : inputs of ``model``, default=None
        A calibration sample: what ``model.predict`` takes (feature dicts,
        texts, ...). Each feature's weights are then quantized on a grid
        fitted to the largest value it takes in ``X``, and the compressed
        model is compared with ``model`` on ``X``. Without ``X``, compress()
        warns when it sees a risk it cannot measure (a ``DictVectorizer``
        mixing numeric-valued keys with one-hot strings).
    min_agreement : float in (0, 1], default=None
        An accuracy budget (requires ``X``): the least share of ``X`` on
        which the compressed model must predict as ``model`` does (same
        label, same label set for multilabel; for regressors a prediction
        moving by at most 1% of the spread of ``model``'s predictions).
        compress() then searches ``bits``, ``per_class``, ``sparsity`` and
        ``fingerprint_bits`` (the given values are ignored) for the smallest
        file meeting it.
    bits : int, default=8
        Bits per weight code, in [2, 16] (above 8, codes take two bytes).
    per_class : bool, default=True
        One quantization scale per class instead of one for all weights.
    sparsity : {"global", "rounding"} or float in (0, 1), default="global"
        Which weights are dropped: "global" drops those that one global
        scale would round to zero, so that per-class scales cost no more
        bytes than one scale; "rounding" those that round to zero on their
        class's own grid (more weights kept); a float, those below that
        fraction of the largest weight.
    fingerprint_bits : int in [0, 32] or "auto", default="auto"
        Fingerprint bits per vocabulary slot: a feature never seen in training
        is ignored, as scikit-learn ignores it, except with probability
        ``2**-fingerprint_bits``. "auto": 16 when a row norm (tf-idf
        ``norm``, ``Normalizer``) keeps every feature in the hash, 14
        otherwise (see the guide for the measured false-match rates).
    gamma : float, default=1.0
        Size factor of the minimal perfect hash levels (>= 1).
    random_state : int, default=0
        Seed of the feature hash.
    verbose : int, default=0
        If positive, print progress to stderr: each configuration the
        accuracy budget tries (with its agreement, bytes and time) and the
        agreement on ``X``.

    Returns
    -------
    compressed : Pipeline or QuantizedLinearModel
        A fitted pipeline with the same step names: the vectorizer becomes a
        :class:`CompressedVectorizer` or :class:`CompressedTextVectorizer`,
        selectors and foldable scalers become
        ``"passthrough"``, the model a :class:`QuantizedLinearModel`. For a
        bare estimator, its :class:`QuantizedLinearModel`.

    Raises
    ------
    TypeError
        For an unfitted model, or a step that is not supported (the message
        names it and lists the supported ones).
    ValueError
        If no setting reaches ``min_agreement`` on ``X`` (the message names
        the best agreement reached and its settings).

    Warns
    -----
    UserWarning
        With ``X`` and no ``min_agreement``, if the agreement on ``X`` is
        below 99%; without ``X``, for risks only a sample could measure.

    Examples
    --------
    >>> from sklearn.feature_extraction import DictVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_compress import compress
    >>> X = [{"play": 1, "music": 1}, {"stop": 1}, {"play": 1, "jazz": 1}, {"stop": 1, "now": 1}]
    >>> y = ["play", "stop", "play", "stop"]
    >>> pipe = make_pipeline(DictVectorizer(), LogisticRegression()).fit(X, y)
    >>> small = compress(pipe)
    >>> [name for name, _ in small.steps]
    ['dictvectorizer', 'logisticregression']
    >>> small.predict([{"play": 1}, {"stop": 1}]).tolist()
    ['play', 'stop']

    With a calibration sample and an accuracy budget, the smallest file that
    predicts as the original on all of ``X``:

    >>> budget = compress(pipe, X, min_agreement=1.0)
    >>> bool((budget.predict(X) == pipe.predict(X)).all())
    True
    """
    _check_budget(X, min_agreement, verbose)
    options = CompressOptions(bits, per_class, fingerprint_bits, gamma, random_state, sparsity)
    _check_compressible(model)
    if X is None:
        warn_unmeasured_risks(model)
        return _compress_model(model, options)
    return _compress_calibrated(model, X, min_agreement, options, progress_printer(verbose))


def _check_compressible(model):
    if isinstance(model, Pipeline):
        if not model.steps:
            raise TypeError("cannot compress an empty Pipeline")
        _split_pipeline(model)
        return
    if isinstance(model, BaseEstimator) and _find_handler(VECTORIZER_REWRITES, model):
        raise TypeError(
            f"a bare {type(model).__name__} has no model to compress; compress the "
            "Pipeline that uses it, or convert it with CompressedVectorizer."
            "from_dict_vectorizer or CompressedTextVectorizer.from_text_vectorizer"
        )
    _check_fitted("model", model)


def _compress_model(model, options):
    if isinstance(model, Pipeline):
        return _compress_pipeline(model, options)
    return _rewrite_model("model", model, None,
                          replace(options, input_magnitude=options.calibration_magnitude))


# -- calibration sample and accuracy budget -------------------------------------------

_BUDGET_CONSTRAINTS = {
    "min_agreement": [Interval(Real, 0, 1, closed="right"), None],
    "verbose": ["verbose"],
}
# The settings the accuracy budget searches, each group from the largest file
# to the smallest: (per_class, sparsity) x fingerprint bits, then bits 8..2.
# Fractions 0.35/127 and 0.25/127 keep 32% and 73% more CLINC150 weights than
# "global" (0.5/127), enough for 99.9% agreement on its validation split at 10 bits.
_SEARCHED_GRIDS = ((True, "global"), (True, 0.35 / 127), (True, 0.25 / 127), (False, "global"))
_SEARCHED_FINGERPRINT_BITS = (8, 16)
# Above 8 bits codes take two bytes: 10 and 12 bits are there for budgets that
# 8 bits miss (CLINC150 dicts: 99.81% agreement at most on the validation
# split at 8 bits, whatever the other settings).
_SEARCHED_BITS = (12, 10, 8, 7, 6, 5, 4, 3, 2)


def _check_budget(X, min_agreement, verbose):
    validate_parameter_constraints(
        _BUDGET_CONSTRAINTS, {"min_agreement": min_agreement, "verbose": verbose},
        caller_name="compress")
    if min_agreement is not None and X is None:
        raise ValueError("min_agreement needs a calibration sample: compress(model, X, "
                         "min_agreement=...) with X a sample of the model's inputs")


def _compress_calibrated(model, X, min_agreement, options, progress):
    reference = Reference.of(model, X)
    options = replace(options, calibration_magnitude=calibration_magnitude(model, X))
    if min_agreement is None:
        compressed = _compress_model(model, options)
        fidelity = measure_fidelity(model, compressed, X, reference)
        progress(f"agreement on the {fidelity.n_samples} samples of X: "
                 f"{100 * fidelity.agreement:.2f}%")
        warn_if_low_agreement(fidelity)
        return compressed
    compressed, _ = _budget_search(model, X, reference, min_agreement, options,
                                   progress=progress)
    return compressed


def _searched_settings():
    return [[{"bits": bits, "per_class": per_class, "sparsity": sparsity,
              "fingerprint_bits": fingerprint_bits} for bits in _SEARCHED_BITS]
            for per_class, sparsity in _SEARCHED_GRIDS
            for fingerprint_bits in _SEARCHED_FINGERPRINT_BITS]


def _budget_search(model, X, reference, min_agreement, options, settings_groups=None,
                   progress=None):
    """(smallest model meeting the budget, every trial) over ``settings_groups``."""
    return search_smallest(
        lambda settings: _compress_model(model, replace(options, **settings)),
        _searched_settings() if settings_groups is None else settings_groups,
        lambda compressed: measure_fidelity(model, compressed, X, reference).agreement,
        min_agreement, progress or progress_printer(False))
