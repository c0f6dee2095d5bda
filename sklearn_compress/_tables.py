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

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "INT_MAX",
    "N_FEATURES_IN",
    "PASSTHROUGH",
    "Array",
    "Codec",
    "StepRewrite",
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
    column_scale: np.ndarray | None = None
    column_wise: bool = False
    input_magnitude: np.ndarray | None = None


# -- save() / load() -----------------------------------------------------------


@dataclass(frozen=True)
class Array:
    """Spec of one array attribute: allowed dtypes and numbers of dimensions.

    A 0-d array is read back as a Python number.
    """

    dtypes: tuple
    ndim: tuple
    optional: bool = False


@dataclass(frozen=True)
class Codec:
    """How one allow-listed class is written and read back.

    ``arrays``, ``numbers`` and ``strings`` name fitted attributes with their
    specs; ``children`` name attributes holding other allow-listed objects;
    ``restore(obj)`` rebuilds attributes kept compact in the file;
    ``check(obj)`` raises ``ValueError`` when the attributes disagree.
    ``template`` marks a class allowed only as an unfitted template inside
    another object (a :class:`QuantizedLinearModel`'s ``estimator``).
    """

    cls: type
    arrays: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)  # name -> (type, low, high, optional)
    strings: dict = field(default_factory=dict)  # name -> allowed values
    children: tuple = ()
    has_classes: bool = False
    restore: object = None
    check: object = None
    template: bool = False


N_FEATURES_IN = {"n_features_in_": (int, 0, INT_MAX, False)}
