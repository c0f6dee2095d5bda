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

import copy
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.feature_selection import SelectorMixin
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from .._sklearn_compat import Interval, validate_parameter_constraints
from .._tables import PASSTHROUGH, ModelRewrite, StepRewrite
from ..crf import _compressed as _crf
from ..feature_extraction import _dict_vectorizer, _text, _tfidf
from ..linear_model import _quantized
from . import _column_steps, _ensembles, _hashing, _search, _union
from ._fidelity import (
    Reference,
    calibration_magnitude,
    measure_fidelity,
    search_smallest,
    warn_if_low_agreement,
    warn_unmeasured_risks,
)
from ._progress import Progress
from ._report import final_step_and_input

__all__ = ["compress"]

# Steps and models are scikit-learn objects (Any to mypy); column maps are int arrays.
Step = Any
NamedStep = tuple[str, Any]
Columns = NDArray[np.int64]
Mask = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
Table = dict[type, Callable[..., Any]]

# The modules whose tables compress() collects; a new estimator module is
# added here and nowhere else.
_CONTRIBUTORS = (_dict_vectorizer, _text, _tfidf, _column_steps, _quantized, _hashing, _union,
                 _ensembles, _search, _crf)


def _collect(table: str) -> Table:
    merged: Table = {}
    for module in _CONTRIBUTORS:
        merged.update(getattr(module, table, {}))
    return merged


# first step type (vectorizer, hasher, union) -> rewrite(step, keep, context) -> (new step, columns)
VECTORIZER_REWRITES = _collect("VECTORIZER_REWRITES")
# middle step type -> rewrite(step, features) -> StepRewrite
STEP_REWRITES = _collect("STEP_REWRITES")
# final model type -> rewrite(model, column_scale, context) -> ModelRewrite (or a model
# with zero_features_ and take_features)
MODEL_REWRITES = _collect("MODEL_REWRITES")
# wrapper type (a fitted search) -> unwrap(wrapper) -> the fitted estimator to compress
WRAPPER_REWRITES = _collect("WRAPPER_REWRITES")


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
    calibration_magnitude: FloatArray | None = None
    # The same after the folded scales, as the model rewrite quantizes for it.
    input_magnitude: FloatArray | None = None
    # A union's centering StandardScaler branch loses its centering to the
    # intercept (only where the union feeds the model directly).
    fold_centering: bool = False


class CompressContext:
    """What a rewrite receives: the options, and the driver's dispatch for nested parts.

    The options are its attributes (``context.bits``...), so that a rewrite
    written for the options alone keeps working. A composite's rewrite hands
    each part back to the driver: :meth:`rewrite_model` for a sub-model (a
    fold model, a one-vs-rest estimator), :meth:`rewrite_branch` for a branch
    of a union; the tables decide how each part is compressed.
    """

    def __init__(self, options: CompressOptions) -> None:
        self.options = options
        self.path: list[str] = []  # names of the parts being rewritten, for messages
        # (model input columns, shift of each): centering moved into the intercept
        self.input_shifts: list[tuple[Columns, FloatArray]] = []

    def __getattr__(self, name: str) -> Any:
        if name in ("options", "path", "input_shifts"):  # not set yet (copy, unpickling)
            raise AttributeError(name)
        return getattr(self.options, name)

    def with_options(self, **changes: Any) -> "CompressContext":
        """The same context (same path) with some options replaced."""
        context = CompressContext(replace(self.options, **changes))
        context.path = self.path
        context.input_shifts = self.input_shifts
        return context

    def rewrite_model(self, where: str, model: Step,
                      column_scale: FloatArray | None = None) -> ModelRewrite:
        """The :class:`ModelRewrite` of a (sub-)model, found in ``MODEL_REWRITES``."""
        return _as_model_rewrite(self.rewrite_model_as_is(where, model, column_scale))

    def rewrite_model_as_is(self, where: str, model: Step,
                            column_scale: FloatArray | None = None) -> Any:
        """The result of the model's ``MODEL_REWRITES`` entry, as it returned it."""
        self.path.append(where)
        try:
            return _rewrite_model(".".join(self.path), model, column_scale, self)
        finally:
            self.path.pop()

    def rewrite_branch(self, where: str, step: Step, keep: Mask) -> tuple[Step, Columns]:
        """(new step, columns) for one branch of a union, ``keep`` over its output columns.

        A vectorizer (or nested union) goes through its ``VECTORIZER_REWRITES``
        entry; a pipeline that starts with one is rewritten step by step; any
        other branch (numeric scalers, "passthrough", hashers of no
        vocabulary) is kept exactly, all its columns with it.
        """
        inner = self.with_options(fold_centering=False)  # (its columns are not the model's)
        if isinstance(step, Pipeline):
            vectorizer = step.steps[0][1] if step.steps else None
            if vectorizer is not None and _find_handler(VECTORIZER_REWRITES, vectorizer):
                return _rewrite_transformer_pipeline(where, step, keep, inner)
        elif step not in (None, PASSTHROUGH):
            handler = _find_handler(VECTORIZER_REWRITES, step)
            if handler is not None:
                return handler(step, keep, _sized_fingerprints(inner, step, False))
        return step, np.arange(len(keep))

    def uncentered_branch(self, step: Step, first_column: int, weight: float = 1.0) -> Step:
        """A union branch kept as it is, its centering moved into the model's intercept.

        For a fitted ``StandardScaler(with_mean=True)`` branch of a union
        that feeds the model directly: the branch becomes the same scaler
        without centering, and the model's intercept takes ``-W @ (mean /
        scale * weight)`` over its columns once the weights are quantized
        (``weight``: the branch's ``transformer_weights`` entry, by which the
        union multiplies its output; the scores are the same sums, the
        quantized weights unchanged). Any other step is returned as it is.
        """
        if not (self.fold_centering and type(step) is StandardScaler and step.with_mean
                and getattr(step, "mean_", None) is not None):
            return step
        scale = 1.0 if step.scale_ is None else step.scale_
        self.input_shifts.append((first_column + np.arange(len(step.mean_)),
                                  np.asarray(step.mean_ / scale * weight, dtype=np.float64)))
        uncentered = copy.copy(step)
        uncentered.with_mean = False
        return uncentered

    @staticmethod
    def output_width(step: Step) -> int:
        """Number of output columns of a fitted transformer (or pipeline of them)."""
        return output_width(step)


def output_width(step: Step) -> int:
    """Number of output columns of a fitted transformer (or pipeline of them)."""
    if isinstance(step, Pipeline):
        for _, inner in reversed(step.steps):
            if inner not in (None, PASSTHROUGH):
                return output_width(inner)
        raise TypeError("cannot tell the output width of a pipeline of passthrough steps")
    for name in ("n_features_out_", "n_features"):  # compressed vectorizers; hashers
        if isinstance(getattr(step, name, None), int):
            return getattr(step, name)
    return len(step.get_feature_names_out())


def _find_handler(registry: Table, step: Step) -> Callable[..., Any] | None:
    for step_type in type(step).__mro__:
        if step_type in registry:
            return registry[step_type]
    return None


def _required_handler(registry: Table, step: Step) -> Callable[..., Any]:
    """The handler of a step that the caller has already checked is supported."""
    handler = _find_handler(registry, step)
    if handler is None:
        raise TypeError(f"{type(step).__name__} is not supported by compress(); supported: "
                        f"{supported_names()}")
    return handler


def _public_subclasses(cls: type) -> set[str]:
    """``cls`` and its public scikit-learn subclasses (TfidfVectorizer for CountVectorizer)."""
    # Private classes, mixins and abstract bases are no answer to "what can I use".
    hidden = cls.__name__.startswith(("_", "Base")) or cls.__name__.endswith("Mixin")
    names: set[str] = set() if hidden else {cls.__name__}
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        if sub.__module__.startswith("sklearn."):
            names |= _public_subclasses(sub)
    return names


def _names(registry: Table, subclasses: bool = True) -> str:
    names: set[str] = set()
    for cls in registry:
        names |= _public_subclasses(cls) if subclasses else (
            set() if cls.__name__.startswith("_") else {cls.__name__})
    return ", ".join(sorted(names))


def supported_names() -> str:
    """The supported steps and models, as compress()'s messages list them."""
    return (f"first steps: {_names(VECTORIZER_REWRITES)}; middle steps: "
            f"{_names(STEP_REWRITES)}; final models (exact classes): "
            f"{_names(MODEL_REWRITES, subclasses=False)}; wrappers: "
            f"{_names(WRAPPER_REWRITES)}")


# -- the driver --------------------------------------------------------------------


def _is_fitted(step: Step) -> bool:
    """check_is_fitted, with stateless steps (hashers) fitted in every scikit-learn version.

    scikit-learn < 1.7's check_is_fitted ignores the ``requires_fit`` tag, so a
    HashingVectorizer, and a FeatureUnion holding one, count as unfitted there.
    """
    if step in (None, PASSTHROUGH, "drop") or isinstance(step, _hashing.STATELESS_STEPS):
        return True
    if not get_tags(step).requires_fit:
        return True
    if isinstance(step, FeatureUnion):
        return all(_is_fitted(branch) for _, branch in step.transformer_list)
    try:
        check_is_fitted(step)
    except NotFittedError:
        return False
    return True


def _check_fitted(name: str, step: Step) -> None:
    if not _is_fitted(step):
        raise TypeError(
            f"step {name!r} ({type(step).__name__}) is not fitted; compress() needs a "
            "fitted pipeline"
        )


def _split_pipeline(
    pipeline: Pipeline,
) -> tuple[NamedStep | None, list[NamedStep], NamedStep]:
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
    _check_middle_steps(middle)
    return vectorizer, middle, (model_name, model)


def _check_middle_steps(middle: list[NamedStep], where: str = "") -> None:
    for name, step in middle:
        if step in (None, PASSTHROUGH):
            continue
        if _find_handler(STEP_REWRITES, step) is None:
            raise TypeError(
                f"step {where}{name!r} ({type(step).__name__}) is not supported by "
                f"compress(); supported steps: {supported_names()}. Fit the "
                "pipeline without it, or compress only the final model "
                "(compress(pipeline[-1]))"
            )


def _input_width(vectorizer: NamedStep | None, middle: list[NamedStep], model: Step) -> int:
    """Width of the first middle step's (or the model's) input."""
    for _, step in [*middle, ("model", model)]:
        if step in (None, PASSTHROUGH):
            continue
        if hasattr(step, "n_features_in_"):
            return step.n_features_in_
        break
    if vectorizer is not None:
        return output_width(vectorizer[1])
    raise TypeError("cannot tell the number of input features of this pipeline")


def _feature_spaces(middle: list[NamedStep], n_columns: int) -> tuple[list[Columns], Columns]:
    """For each middle step, the original column of each of its input features."""
    origin = np.arange(n_columns)
    spaces = []
    for _, step in middle:
        spaces.append(origin)
        if isinstance(step, SelectorMixin):
            origin = origin[step.get_support(indices=True)]
    return spaces, origin


def _positions(origin: Columns, n_columns: int, wanted: Columns) -> Columns:
    """Index in a feature space (given by its ``origin``) of each wanted column."""
    where = np.full(n_columns, -1, dtype=np.int64)
    where[origin] = np.arange(len(origin))
    return where[wanted]


def _rewrite_middle(middle: list[NamedStep], spaces: list[Columns], n_columns: int,
                    columns: Columns) -> list[StepRewrite]:
    rewrites: list[StepRewrite] = []
    for (_, step), origin in zip(middle, spaces, strict=True):
        if step in (None, PASSTHROUGH):
            rewrites.append(StepRewrite(step, column_wise=True))
            continue
        handler = _required_handler(STEP_REWRITES, step)
        rewrites.append(handler(step, _positions(origin, n_columns, columns)))
    return rewrites


def _foldable(rewrites: list[StepRewrite]) -> list[bool]:
    """Steps whose column scale can move into the weights: nothing row-wise follows."""
    foldable: list[bool] = []
    tail_is_column_wise = True
    for rewrite in reversed(rewrites):
        foldable.append(tail_is_column_wise and rewrite.column_scale is not None)
        tail_is_column_wise = tail_is_column_wise and rewrite.column_wise
    return foldable[::-1]


def _seen_by_row_wise_steps(spaces: list[Columns], rewrites: list[StepRewrite]) -> Columns:
    """Columns a row-wise step reads (e.g. into a row norm): they must stay.

    A feature with all-zero weights can leave the vocabulary only if no step
    mixes it with other features on the way to the model.
    """
    for origin, rewrite in zip(spaces, rewrites, strict=True):
        if not rewrite.column_wise:
            return origin
    return np.zeros(0, dtype=np.int64)


def _folded_input_magnitude(rewrites: list[StepRewrite], fold: list[bool],
                            measured: FloatArray | None) -> FloatArray | None:
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
            if measured is not None and rewrite.column_scale is not None:
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


def _sized_fingerprints(context: CompressContext, step: Step,
                        read_by_row_norm: bool) -> CompressContext:
    """``context`` with "auto" fingerprint bits resolved for the vocabulary of ``step``.

    A union is left to resolve them branch by branch (each branch knows its
    own norm), unless a row norm after the union reads every feature.
    """
    if context.fingerprint_bits != "auto":
        return context
    if not read_by_row_norm and _find_handler(_union.VECTORIZER_REWRITES, step):
        return context
    row_norm = read_by_row_norm or getattr(step, "norm", None) is not None
    return context.with_options(fingerprint_bits=_AUTO_FINGERPRINT_BITS[row_norm])


def _rewrite_model(model_name: str, model: Step, column_scale: FloatArray | None,
                   context: CompressContext) -> Any:
    """The final model's rewrite (a ModelRewrite, or a model with ``take_features``)."""
    handler = MODEL_REWRITES.get(type(model))  # exact classes: a subclass may differ
    if handler is None:
        raise TypeError(
            f"final step {model_name!r}: {type(model).__name__} is not supported by "
            f"compress(); supported final models (exact classes): "
            f"{_names(MODEL_REWRITES, subclasses=False)}. Fit one of those, or keep this "
            "model uncompressed (joblib)"
        )
    return handler(model, column_scale, context)


def _as_model_rewrite(result: Any) -> ModelRewrite:
    if isinstance(result, ModelRewrite):
        return result
    return ModelRewrite(result.zero_features_, result.take_features)


def _zero_features(rewrite: ModelRewrite, n_columns: int) -> Mask:
    if rewrite.zero_features is None:
        return np.ones(n_columns, dtype=bool)
    return rewrite.zero_features


def _rewrite_transformer_pipeline(where: str, pipeline: Pipeline, keep: Mask,
                                  context: CompressContext) -> tuple[Pipeline, Columns]:
    """A pipeline without a model (a union's branch): vectorizer, then middle steps.

    ``keep`` is over the pipeline's output columns. Scalers stay steps here
    (the weights are quantized in the scaled space); selectors are folded
    into the vocabulary. Returns (new pipeline, output column of each new column).
    """
    (vectorizer_name, vectorizer), middle = pipeline.steps[0], pipeline.steps[1:]
    for name, step in pipeline.steps:
        if step not in (None, PASSTHROUGH):
            _check_fitted(f"{where}.{name}", step)
    _check_middle_steps(middle, where=f"{where}.")
    n_columns = output_width(vectorizer)
    spaces, origin = _feature_spaces(middle, n_columns)
    probe = _rewrite_middle(middle, spaces, n_columns, origin)
    vectorizer_keep = np.zeros(n_columns, dtype=bool)
    vectorizer_keep[origin[keep]] = True
    read_by_row_norm = _seen_by_row_wise_steps(spaces, probe)
    vectorizer_keep[read_by_row_norm] = True
    context = _sized_fingerprints(context, vectorizer, len(read_by_row_norm) > 0)
    new_vectorizer, columns = context.rewrite_branch(f"{where}.{vectorizer_name}", vectorizer,
                                                     vectorizer_keep)
    out_columns = _positions(origin, n_columns, columns)
    if np.any(out_columns < 0):
        raise TypeError(
            f"branch {where!r}: a feature selector after a row-wise step (a norm) inside a "
            "union branch is not supported by compress(); select features before the norm"
        )
    new_steps = [(vectorizer_name, new_vectorizer)]
    for (name, _), rewrite in zip(middle, _rewrite_middle(middle, spaces, n_columns, columns),
                                  strict=True):
        new_steps.append((name, rewrite.step))
    params = pipeline.get_params(deep=False)
    params["steps"] = new_steps
    return Pipeline(**params), out_columns


def _compress_pipeline(pipeline: Pipeline, context: CompressContext) -> Pipeline:
    vectorizer, middle, (model_name, model) = _split_pipeline(pipeline)
    n_columns = _input_width(vectorizer, middle, model)
    spaces, model_origin = _feature_spaces(middle, n_columns)

    # Fold column scales into the weights in the model's own feature order.
    in_model_order = _rewrite_middle(middle, spaces, n_columns, model_origin)
    fold = _foldable(in_model_order)
    column_scale: FloatArray | None = None
    for rewrite, folded in zip(in_model_order, fold, strict=True):
        scale = rewrite.column_scale
        if folded and scale is not None:  # (a folded step always has a scale)
            column_scale = scale * 1.0 if column_scale is None else scale * column_scale
    magnitude = _folded_input_magnitude(in_model_order, fold, context.calibration_magnitude)
    quantized = context.with_options(input_magnitude=magnitude).rewrite_model(
        model_name, model, column_scale)

    new_steps = []
    if vectorizer is not None:
        keep = np.zeros(n_columns, dtype=bool)
        keep[model_origin[~_zero_features(quantized, len(model_origin))]] = True
        read_by_row_norm = _seen_by_row_wise_steps(spaces, in_model_order)
        keep[read_by_row_norm] = True
        handler = _required_handler(VECTORIZER_REWRITES, vectorizer[1])
        sized = _sized_fingerprints(context, vectorizer[1], len(read_by_row_norm) > 0)
        # Centering folds only where the union's columns are the model's.
        sized = sized.with_options(fold_centering=not middle)
        new_vectorizer, columns = handler(vectorizer[1], keep, sized)
        new_steps.append((vectorizer[0], new_vectorizer))
    else:
        columns = np.arange(n_columns)
    rewrites = _rewrite_middle(middle, spaces, n_columns, columns)
    for (name, _), rewrite, folded in zip(middle, rewrites, fold, strict=True):
        new_steps.append((name, PASSTHROUGH if folded else rewrite.step))
    positions = _positions(model_origin, n_columns, columns)
    new_model = quantized.take_features(positions)
    _fold_input_shifts(new_model, context.input_shifts, n_columns, positions)
    new_steps.append((model_name, new_model))
    params = pipeline.get_params(deep=False)
    params["steps"] = new_steps
    return Pipeline(**params)


def _fold_input_shifts(model: Any, shifts: list[tuple[Columns, FloatArray]], n_columns: int,
                       positions: Columns) -> None:
    """Move the recorded input shifts into every quantized model inside ``model``.

    ``shifts`` are over the original model's ``n_columns`` inputs; ``positions``
    gives the original column of each new one (-1: a column without weights).
    """
    if not shifts:
        return
    shift = np.zeros(n_columns + 1)  # (the last entry: columns without weights)
    for columns, values in shifts:
        shift[columns] = values
    new_shift = shift[positions]
    features = np.flatnonzero(new_shift)
    for part in _parts(model):
        if hasattr(part, "_fold_input_shift"):
            part._fold_input_shift(features, new_shift[features])


def _compress_bare_model(model: Step, context: CompressContext) -> Any:
    _check_fitted("model", model)
    # A bare model (a tagger) keeps its own vocabulary, read by no row norm.
    context = _sized_fingerprints(context, model, read_by_row_norm=False)
    result = context.rewrite_model_as_is("model", model)
    if not isinstance(result, ModelRewrite):
        return result  # already the compressed model
    return result.take_features(np.arange(model.n_features_in_))


def _unwrapped(model: Any) -> Any:
    """The estimator a wrapper (a fitted search) holds, through every level."""
    handler = _find_handler(WRAPPER_REWRITES, model)
    while handler is not None:
        model = handler(model)
        handler = _find_handler(WRAPPER_REWRITES, model)
    return model


def _parts(model: Any) -> Iterator[Any]:
    """``model`` and every estimator it holds (steps, branches, fitted sub-models)."""
    stack, seen = [model], set()
    while stack:
        item = stack.pop()
        if id(item) in seen or not isinstance(item, BaseEstimator):
            continue
        seen.add(id(item))
        yield item
        values = list(item.get_params(deep=False).values())
        values += [getattr(item, name, None) for name in
                   ("estimators_", "transformers_", "calibrated_classifiers_", "estimator")]
        while values:
            value = values.pop()
            if isinstance(value, (list, tuple)):
                values.extend(value)
            elif isinstance(value, BaseEstimator) or hasattr(value, "estimator"):
                stack.append(value if isinstance(value, BaseEstimator) else value.estimator)


def _refuse_compressed(model: Any) -> None:
    for part in _parts(model):
        if type(part).__module__.startswith("sklearn_compress."):
            raise ValueError(
                f"this model is already compressed: it holds a {type(part).__name__}; "
                "compress() takes the original fitted scikit-learn model"
            )


def compress(model: Any, X: Any = None, *, min_agreement: float | None = None, bits: int = 8,
             per_class: bool = True, sparsity: str | float = "global",
             fingerprint_bits: int | str = "auto", gamma: float = 1.0,
             random_state: int = 0, verbose: int | bool = 0) -> Any:
    """Compress a fitted pipeline: quantized weights, hashed vocabulary.

    With a calibration sample ``X`` of the model's inputs, compress() also
    quantizes each feature for the largest magnitude it takes in ``X`` and
    checks the result against the original on ``X``: it warns below 99%
    agreement, or, given ``min_agreement``, returns the smallest model
    (bytes of the file :func:`save` writes) that reaches it.

    Parameters
    ----------
    model : Pipeline, estimator or fitted search
        A fitted ``Pipeline`` made of an optional first step (``DictVectorizer``,
        ``CountVectorizer``, ``TfidfVectorizer``; ``HashingVectorizer`` and
        ``FeatureHasher``, kept as they are; a ``FeatureUnion`` or
        ``ColumnTransformer`` whose branches are any of these, pipelines
        starting with them, or numeric steps kept as they are), any number
        of supported middle steps (``TfidfTransformer``, ``MaxAbsScaler``,
        ``StandardScaler`` (folded into the weights without centering, kept as a
        step with it; a centering branch of a union that feeds the model moves
        its centering into the intercept), feature selectors, ``Normalizer``)
        and a final linear model, or a ``OneVsRestClassifier``,
        ``OneVsOneClassifier``, ``MultiOutputClassifier``/``Regressor`` or
        ``CalibratedClassifierCV`` of linear models; or such a bare fitted
        model; or a fitted ``GridSearchCV``/``RandomizedSearchCV``/halving
        search, whose ``best_estimator_`` is compressed. It is left untouched.
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
    verbose : int or bool, default=0
        If positive, print progress to stderr, one line per step with its
        wall time: the original's outputs and each feature's largest value
        on ``X``, the compression, each configuration the accuracy budget
        tries (with its agreement and bytes; a bar over the settings groups
        when stderr is a terminal) and the agreement on ``X``.

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
        For a model that is already compressed, a search fitted with
        ``refit=False``, or if no setting reaches ``min_agreement`` on ``X`` (the message names
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
    progress = Progress(verbose)
    options = CompressOptions(bits, per_class, fingerprint_bits, gamma, random_state, sparsity)
    model = _unwrapped(model)
    _check_compressible(model)
    if X is None:
        warn_unmeasured_risks(model)
        with progress.step("compressed the model"):
            return _compress_model(model, options)
    return _compress_calibrated(model, X, min_agreement, options, progress)


def _check_compressible(model: Any) -> None:
    _refuse_compressed(model)
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


def _compress_model(model: Any, options: CompressOptions) -> Any:
    context = CompressContext(options)
    if isinstance(model, Pipeline):
        return _compress_pipeline(model, context)
    return _compress_bare_model(
        model, context.with_options(input_magnitude=options.calibration_magnitude))


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


def _check_budget(X: Any, min_agreement: float | None, verbose: int | bool) -> None:
    validate_parameter_constraints(
        _BUDGET_CONSTRAINTS, {"min_agreement": min_agreement, "verbose": verbose},
        caller_name="compress")
    if min_agreement is not None and X is None:
        raise ValueError("min_agreement needs a calibration sample: compress(model, X, "
                         "min_agreement=...) with X a sample of the model's inputs")


def _compress_calibrated(model: Any, X: Any, min_agreement: float | None,
                         options: CompressOptions, progress: Progress) -> Any:
    n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
    # The original's steps transform X once for its outputs and the magnitudes.
    with progress.step(f"outputs of the original on the {n_samples} samples of X"):
        final, X_final = final_step_and_input(model, X)
        reference = Reference.of(final, X_final)
    with progress.step("largest value of each feature on X"):
        options = replace(options, calibration_magnitude=calibration_magnitude(final, X_final))
    if min_agreement is None:
        with progress.step("compressed the model"):
            compressed = _compress_model(model, options)
        with progress.step("outputs of the compressed model on X"):
            fidelity = measure_fidelity(final, *final_step_and_input(compressed, X), reference)
        progress(f"agreement on the {fidelity.n_samples} samples of X: "
                 f"{100 * fidelity.agreement:.2f}%")
        warn_if_low_agreement(fidelity)
        return compressed
    compressed, _ = _budget_search(model, X, reference, min_agreement, options,
                                   progress=progress)
    return compressed


def _searched_settings() -> list[list[dict[str, Any]]]:
    return [[{"bits": bits, "per_class": per_class, "sparsity": sparsity,
              "fingerprint_bits": fingerprint_bits} for bits in _SEARCHED_BITS]
            for per_class, sparsity in _SEARCHED_GRIDS
            for fingerprint_bits in _SEARCHED_FINGERPRINT_BITS]


def _budget_search(model: Any, X: Any, reference: Reference, min_agreement: float,
                   options: CompressOptions,
                   settings_groups: Sequence[Sequence[dict[str, Any]]] | None = None,
                   progress: Progress | None = None) -> tuple[Any, list[Any]]:
    """(smallest model meeting the budget, every trial) over ``settings_groups``."""
    groups = _searched_settings() if settings_groups is None else settings_groups
    progress = Progress(False) if progress is None else progress

    def compress_with(settings: dict[str, Any]) -> Any:
        group = next(index for index, group in enumerate(groups) if settings in group)
        progress.bar(group, len(groups), "settings groups")
        return _compress_model(model, replace(options, **settings))

    def agreement_of(compressed: Any) -> float:
        # One transform of X per trial, shared by predict and predict_proba.
        return measure_fidelity(model, *final_step_and_input(compressed, X),
                                reference).agreement

    try:
        return search_smallest(compress_with, groups, agreement_of, min_agreement, progress)
    finally:
        progress.done()
