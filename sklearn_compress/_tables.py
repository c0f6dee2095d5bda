"""The entries an estimator module declares to plug into compress() and save()/load().

Each estimator module ends with plain tables built from these types (as
skops's io modules declare their dispatch tables)::

    VECTORIZER_REWRITES = {DictVectorizer: _rewrite_dict_vectorizer}
    STEP_REWRITES = {MaxAbsScaler: _rewrite_max_abs_scaler}
    MODEL_REWRITES = {LogisticRegression: _rewrite_linear_model}
    FILE_CODECS = (Codec(CompressedVectorizer, ...),)

The drivers (``compose/_compress.py`` for ``compress()``, ``io/_persist.py``
for ``save()``/``load()``) import the estimator modules and collect those
tables; no estimator module imports a driver. This module is a leaf: it
imports nothing from the package. ``docs/architecture.md`` describes the
signature of each kind of rewrite.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "INT_MAX",
    "NAME",
    "N_FEATURES_IN",
    "OBJECT",
    "PASSTHROUGH",
    "STEP",
    "TEMPLATE",
    "VALUE",
    "Array",
    "Codec",
    "ModelRewrite",
    "Nested",
    "StepRewrite",
    "dict_of",
    "list_of",
    "tuple_of",
]

PASSTHROUGH = "passthrough"
# Bound of stored sizes and counts (feature counts, entry counts).
INT_MAX = 2**62


# -- compress() ----------------------------------------------------------------


@dataclass(frozen=True)
class StepRewrite:
    """How one intermediate step is carried into the compressed pipeline.

    A ``STEP_REWRITES`` function is called as ``rewrite(step, features)``,
    ``features[k]`` being the step's input column that becomes new column
    ``k``, and returns one of these.

    Attributes
    ----------
    step : estimator or "passthrough"
        The step working on the new columns.
    column_scale : ndarray or None
        If the step only multiplies column ``k`` by ``column_scale[k]``, that
        factor, so that it can be folded into the model's weights.
    column_wise : bool
        True if the step treats each column on its own and linearly
        (selectors, scalers): then a scaler before it can still be folded.
    input_magnitude : ndarray or None
        For a scaler, the magnitude its input column ``k`` has when its
        output is 1 (``max_abs_`` of ``MaxAbsScaler``, ``scale_`` of
        ``StandardScaler``): the model quantizes as if in the scaled space.
    """

    step: object
    column_scale: np.ndarray[Any, Any] | None = None
    column_wise: bool = False
    input_magnitude: np.ndarray | None = None


@dataclass(frozen=True)
class ModelRewrite:
    """A final model's rewrite, before its input columns are fixed.

    A ``MODEL_REWRITES`` function is called as
    ``rewrite(model, column_scale, context)`` and returns one of these, or an
    object with the same two members as attributes (``zero_features_`` and
    ``take_features``), as :class:`QuantizedLinearModel` has.

    Attributes
    ----------
    zero_features : ndarray of bool or None
        Over the model's input columns, True where no output depends on the
        column (a vectorizer may leave it out). None: the model reads no
        column at all (a constant predictor).
    take_features : callable
        ``take_features(columns)`` returns the compressed model whose input
        column ``k`` is the old column ``columns[k]`` (-1: a column it must
        ignore). Models sharing one vocabulary (the fold models of a
        calibrated classifier, the estimators of a one-vs-rest classifier)
        are one ``ModelRewrite`` whose ``take_features`` re-indexes them all.
    """

    zero_features: np.ndarray | None
    take_features: Callable[[Any], Any]


# -- save() / load() -----------------------------------------------------------


@dataclass(frozen=True)
class Array:
    """Spec of one array attribute: allowed dtypes and numbers of dimensions.

    A 0-d array is read back as a Python number. ``inner_shape`` fixes the
    trailing dimensions (``(2,)`` for an array of pairs).
    """

    dtypes: tuple[Any, ...]
    ndim: tuple[int, ...]
    optional: bool = False
    inner_shape: tuple[int, ...] = ()
    # The dtypes as numpy dtype objects, which an array's dtype is compared
    # with (by name, dtype.name is computed in Python: 5 us a call).
    dtype_set: frozenset[np.dtype[Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtype_set", frozenset(map(np.dtype, self.dtypes)))


@dataclass(frozen=True)
class Nested:
    """Spec of an attribute holding allow-listed objects, walked by save()/load().

    ``form`` is ``"object"`` (one allow-listed object, or one of
    ``placeholders`` such as ``"passthrough"``), ``"list"`` or ``"dict"`` (of
    ``items[0]``), ``"tuple"`` (of ``items``, one spec per position),
    ``"name"`` (a string) or ``"value"`` (a plain parameter value). With
    ``template``, objects are unfitted templates (a
    :class:`QuantizedLinearModel`'s ``estimator``). With ``stacked``, a list
    of objects may be written as one shared description per group of
    look-alike objects, each array attribute concatenated over the group
    (the members of a one-vs-rest model). Build them with the constants and
    functions below, e.g. a Pipeline's steps::

        list_of(tuple_of(NAME, STEP))
    """

    form: str
    items: tuple["Nested", ...] = ()
    template: bool = False
    placeholders: tuple[str | None, ...] = ()
    stacked: bool = False


OBJECT = Nested("object")
TEMPLATE = Nested("object", template=True)
STEP = Nested("object", placeholders=("passthrough", None))  # a pipeline step
NAME = Nested("name")
VALUE = Nested("value")


def list_of(item: Nested, *, stacked: bool = False) -> Nested:
    """A list whose every item follows ``item``.

    ``stacked=True`` (for a list of objects, such as :data:`OBJECT`) lets
    ``save()`` write look-alike items once, with their arrays concatenated:
    worth it where a list holds many objects of one class.
    """
    if stacked and (item.form != "object" or item.placeholders):
        raise ValueError("only a list of objects without placeholders can be stacked")
    return Nested("list", (item,), stacked=stacked)


def dict_of(item: Nested) -> Nested:
    """A dict of string keys whose every value follows ``item``."""
    return Nested("dict", (item,))


def tuple_of(*items: Nested) -> Nested:
    """A tuple of ``len(items)`` values, each following its spec."""
    return Nested("tuple", items)


@dataclass(frozen=True)
class Codec:
    """How one allow-listed class is written and read back.

    ``arrays``, ``numbers`` and ``strings`` name fitted attributes with their
    specs. ``children`` maps fitted attributes holding other allow-listed
    objects to their :class:`Nested` spec (a tuple of names means one object
    each); ``param_children`` does the same for parameters (a Pipeline's
    ``steps``). ``restore(obj)`` rebuilds attributes kept compact in the
    file; ``check(obj)`` raises ``ValueError`` when the attributes disagree.
    ``from_state(state)``, if given, builds the object from the dict of its
    arrays and numbers (for classes without parameters, such as
    :class:`MinimalPerfectHash`), raising ``ValueError`` on bad state.
    ``template`` marks a class allowed only as an unfitted template inside
    another object (where a ``Nested`` spec says ``template``).
    ``fitted_params`` maps parameters that a fitted object no longer reads to
    the value the file stores instead (a fixed vocabulary of strings, which
    fitting turned into the stored hash: the strings never reach the file).
    """

    cls: type
    arrays: dict[str, Array] = field(default_factory=dict)
    # name -> (type, low, high, optional)
    numbers: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    strings: dict[str, Collection[str]] = field(default_factory=dict)  # name -> allowed values
    children: tuple[str, ...] | dict[str, Nested] = ()
    param_children: dict[str, Nested] = field(default_factory=dict)
    has_classes: bool = False
    restore: Callable[[Any], None] | None = None
    check: Callable[[Any], None] | None = None
    from_state: Callable[[dict[str, Any]], Any] | None = None
    template: bool = False
    fitted_params: dict[str, Any] = field(default_factory=dict)

    def child_specs(self) -> dict[str, Nested]:
        """``children`` as a dict of name -> :class:`Nested`."""
        if isinstance(self.children, dict):
            return self.children
        return dict.fromkeys(self.children, OBJECT)


N_FEATURES_IN = {"n_features_in_": (int, 0, INT_MAX, False)}
