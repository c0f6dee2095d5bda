"""File codecs for the stock scikit-learn classes a compressed pipeline may hold.

The compressed classes declare their codecs beside themselves; scikit-learn's
own classes cannot, so their entries live here, as skops keeps its
``_sklearn.py`` dispatch tables.
"""

import numpy as np
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, Normalizer, StandardScaler

from .._tables import N_FEATURES_IN, NAME, STEP, Array, Codec, list_of, tuple_of

__all__ = ["FILE_CODECS"]

_VECTOR = Array(("float64",), (1,))
_OPTIONAL_VECTOR = Array(("float64",), (1,), optional=True)
_N_SAMPLES = Array(("int64", "float64"), (0, 1))


def _check_width(obj, *names):
    for name in names:
        value = getattr(obj, name, None)
        if value is not None and np.ndim(value) and len(value) != obj.n_features_in_:
            raise ValueError(f"{name} has {len(value)} entries for {obj.n_features_in_} features")


def _output_width(step, width):
    if step is None or isinstance(step, str):  # "passthrough"
        return width
    if isinstance(step, Pipeline):
        for _, inner in step.steps:
            width = _output_width(inner, width)
        return width
    # A vectorizer's output width is its hash's slot count; other steps keep theirs.
    if hasattr(step, "n_features_out_"):
        return step.n_features_out_
    return step.n_features_in_


def _check_pipeline(pipeline):
    """Each step must take as many features as the step before it gives."""
    width = None
    for name, step in pipeline.steps:
        expected = getattr(step, "n_features_in_", None)
        if width is not None and expected is not None and expected != width:
            raise ValueError(f"step {name!r} expects {expected} features, gets {width}")
        width = _output_width(step, width)


FILE_CODECS = (
    Codec(Pipeline, param_children={"steps": list_of(tuple_of(NAME, STEP))},
          check=_check_pipeline),
    Codec(TfidfTransformer, arrays={"idf_": _OPTIONAL_VECTOR}, numbers=N_FEATURES_IN,
          check=lambda step: _check_width(step, "idf_")),
    Codec(MaxAbsScaler,
          arrays={"scale_": _VECTOR, "max_abs_": _VECTOR, "n_samples_seen_": _N_SAMPLES},
          numbers=N_FEATURES_IN, check=lambda step: _check_width(step, "scale_", "max_abs_")),
    Codec(StandardScaler,
          arrays={"scale_": _OPTIONAL_VECTOR, "var_": _OPTIONAL_VECTOR,
                  "mean_": _OPTIONAL_VECTOR, "n_samples_seen_": _N_SAMPLES},
          numbers=N_FEATURES_IN,
          check=lambda step: _check_width(step, "scale_", "var_", "mean_")),
    Codec(Normalizer, numbers=N_FEATURES_IN),
)
