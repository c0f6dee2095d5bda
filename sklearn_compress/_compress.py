"""compress(): turn a fitted text pipeline into a small drop-in copy.

A supported pipeline is ``[vectorizer] + [column-wise or row-wise steps] +
linear model``. The model's weights are quantized; features whose codes are
all zero, and features that a selector drops, leave the vectorizer's hash;
every remaining per-feature array (idf, scales) is re-indexed to the hash
slots. Each step type is handled by one function found through a registry,
so supporting a new step type is one decorated function.
"""

import copy
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.feature_selection import SelectorMixin
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, Normalizer, StandardScaler
from sklearn.utils.validation import check_is_fitted

from ._quantized import _check_supported as check_supported
from ._quantized import quantize_fitted
from ._tfidf import CompressedTfidfTransformer
from ._vectorizer import CompressedVectorizer

__all__ = ["compress", "register_step", "register_vectorizer"]

PASSTHROUGH = "passthrough"


@dataclass(frozen=True)
class StepRewrite:
    """How one intermediate step is carried into the compressed pipeline.

    Attributes
    ----------
    step : estimator or "passthrough"
        The step working on the new columns (each new column ``k`` being the
        old column ``features[k]``).
    column_scale : ndarray or None
        If the step only multiplies column ``k`` by ``column_scale[k]``, that
        factor, so that it can be folded into the model's weights.
    column_wise : bool
        True if the step treats each column on its own and linearly
        (selectors, scalers): then a scaler before it can still be folded.
    """

    step: object
    column_scale: np.ndarray | None = None
    column_wise: bool = False


@dataclass(frozen=True)
class CompressOptions:
    bits: int
    per_class: bool
    fingerprint_bits: int
    gamma: float
    random_state: int


_STEP_REWRITES = {}
_VECTORIZER_REWRITES = {}


def register_step(*types):
    """Register ``function(step, features) -> StepRewrite`` for these step types."""

    def decorator(function):
        for step_type in types:
            _STEP_REWRITES[step_type] = function
        return function

    return decorator


def register_vectorizer(*types):
    """Register ``function(step, keep, options) -> (new_step, columns)``.

    ``keep`` is a boolean mask over the vectorizer's output columns; the new
    vectorizer's column ``k`` must be the old column ``columns[k]``.
    """

    def decorator(function):
        for step_type in types:
            _VECTORIZER_REWRITES[step_type] = function
        return function

    return decorator


def _find_handler(registry, step):
    for step_type in type(step).__mro__:
        if step_type in registry:
            return registry[step_type]
    return None


def _supported_names():
    names = sorted(t.__name__ for t in (*_VECTORIZER_REWRITES, *_STEP_REWRITES))
    return ", ".join(names) + " and a final linear model"


# -- step rewrites --------------------------------------------------------------


def _reindexed(step, features, per_feature_attributes):
    """A shallow copy of a fitted step whose per-feature arrays follow ``features``."""
    new = copy.copy(step)
    for name in per_feature_attributes:
        value = getattr(step, name, None)
        if isinstance(value, np.ndarray) and value.ndim == 1:
            setattr(new, name, value[features].copy())
    new.n_features_in_ = len(features)
    if hasattr(new, "feature_names_in_"):
        del new.feature_names_in_
    return new


@register_vectorizer(DictVectorizer)
def _rewrite_dict_vectorizer(step, keep, options):
    return CompressedVectorizer.from_dict_vectorizer(
        step, keep=keep, fingerprint_bits=options.fingerprint_bits, gamma=options.gamma,
        random_state=options.random_state,
    )


@register_step(SelectorMixin)
def _rewrite_selector(step, features):
    # The selection is folded into the vocabulary: only selected features
    # reach the new columns, so the step has nothing left to do.
    return StepRewrite(PASSTHROUGH, column_wise=True)


@register_step(MaxAbsScaler)
def _rewrite_max_abs_scaler(step, features):
    new = _reindexed(step, features, ("scale_", "max_abs_"))
    return StepRewrite(new, column_scale=1.0 / new.scale_, column_wise=True)


@register_step(StandardScaler)
def _rewrite_standard_scaler(step, features):
    if step.with_mean:
        raise TypeError(
            "StandardScaler(with_mean=True) is not supported: centering a sparse "
            "feature matrix makes it dense; use with_mean=False"
        )
    new = _reindexed(step, features, ("scale_", "var_", "mean_", "n_samples_seen_"))
    scale = np.ones(len(features)) if new.scale_ is None else 1.0 / new.scale_
    return StepRewrite(new, column_scale=scale, column_wise=True)


@register_step(TfidfTransformer)
def _rewrite_tfidf_transformer(step, features):
    # The same transformer with its idf re-indexed and stored as one-byte codes.
    new = CompressedTfidfTransformer.from_tfidf_transformer(step, features)
    # Without a row norm or a log, tf-idf only multiplies each column by its idf.
    linear = step.norm is None and not step.sublinear_tf
    scale = None
    if linear:
        scale = new.idf_ if new.idf_table_ is not None else np.ones(len(features))
    return StepRewrite(new, column_scale=scale, column_wise=linear)


@register_step(Normalizer)
def _rewrite_normalizer(step, features):
    # Row-wise and stateless, but it checks the number of input columns.
    new = copy.copy(step)
    new.n_features_in_ = len(features)
    return StepRewrite(new)


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
    if steps[:-1] and _find_handler(_VECTORIZER_REWRITES, steps[0][1]) is not None:
        vectorizer = steps[0]
        steps = steps[1:]
    middle = steps[:-1]
    for name, step in middle:
        if step in (None, PASSTHROUGH):
            continue
        if _find_handler(_STEP_REWRITES, step) is None:
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
        handler = _find_handler(_STEP_REWRITES, step)
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


def _quantize(model_name, model, column_scale, options):
    try:
        check_supported(model)
    except TypeError as exc:
        raise TypeError(f"final step {model_name!r}: {exc}") from None
    quantized = quantize_fitted(model, bits=options.bits, per_class=options.per_class,
                                column_scale=column_scale)
    # Keep an unfitted template only, so the float weights do not ride along,
    # and prefit=False, so that a clone of the compressed pipeline can be fit.
    return quantized.set_params(estimator=clone(model), prefit=False)


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
    quantized = _quantize(model_name, model, column_scale, options)

    new_steps = []
    if vectorizer is not None:
        keep = np.zeros(n_columns, dtype=bool)
        keep[model_origin[~quantized.zero_features_]] = True
        keep[_seen_by_row_wise_steps(spaces, in_model_order)] = True
        handler = _find_handler(_VECTORIZER_REWRITES, vectorizer[1])
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


def compress(model, *, bits=8, per_class=False, fingerprint_bits=8, gamma=1.0, random_state=0):
    """Compress a fitted pipeline: quantized weights, hashed vocabulary.

    Parameters
    ----------
    model : Pipeline or linear estimator
        A fitted ``Pipeline`` made of an optional vectorizer (``DictVectorizer``,
        ``CountVectorizer`` or ``TfidfVectorizer``), any number of supported
        middle steps (``TfidfTransformer``, ``MaxAbsScaler``,
        ``StandardScaler(with_mean=False)``, feature selectors,
        ``Normalizer``) and a final linear model; or a bare fitted linear
        model. It is left untouched.
    bits : int, default=8
        Bits per weight code, in [2, 8].
    per_class : bool, default=False
        One quantization scale per class instead of one for all weights.
    fingerprint_bits : int, default=8
        Fingerprint bits per vocabulary slot: a feature never seen in training
        is ignored, as scikit-learn ignores it, except with probability
        ``2**-fingerprint_bits``.
    gamma : float, default=1.0
        Size factor of the minimal perfect hash levels (>= 1).
    random_state : int, default=0
        Seed of the feature hash.

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
    """
    options = CompressOptions(bits, per_class, fingerprint_bits, gamma, random_state)
    if isinstance(model, Pipeline):
        if not model.steps:
            raise TypeError("cannot compress an empty Pipeline")
        return _compress_pipeline(model, options)
    if isinstance(model, BaseEstimator) and _find_handler(_VECTORIZER_REWRITES, model):
        raise TypeError(
            f"a bare {type(model).__name__} has no model to compress; compress the "
            "Pipeline that uses it, or convert it with CompressedVectorizer."
            "from_dict_vectorizer or CompressedTextVectorizer.from_text_vectorizer"
        )
    _check_fitted("model", model)
    return _quantize("model", model, None, options)
