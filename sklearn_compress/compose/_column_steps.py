"""compress() rewrites of scikit-learn's column-wise and row-wise middle steps.

Selectors are folded into the vocabulary; scalers report the factor they
multiply each column by, so that the driver can fold it into the weights
where nothing row-wise follows, and the magnitude of their input columns, so
that the model quantizes each folded weight on a grid as fine as the scaled
space asks (a scaler never makes the quantization worse than no scaler);
a centering ``StandardScaler`` and ``Normalizer`` are kept (re-indexed, or
only told their new width).
"""

import copy

import numpy as np
from sklearn.feature_selection import SelectorMixin
from sklearn.preprocessing import MaxAbsScaler, Normalizer, StandardScaler

from .._tables import PASSTHROUGH, StepRewrite

__all__ = ["STEP_REWRITES"]


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


def _rewrite_selector(step, features):
    # The selection is folded into the vocabulary: only selected features
    # reach the new columns, so the step has nothing left to do.
    return StepRewrite(PASSTHROUGH, column_wise=True)


def _rewrite_max_abs_scaler(step, features):
    new = _reindexed(step, features, ("scale_", "max_abs_"))
    return StepRewrite(new, column_scale=1.0 / new.scale_, column_wise=True,
                       input_magnitude=new.max_abs_)


def _rewrite_standard_scaler(step, features):
    new = _reindexed(step, features, ("scale_", "var_", "mean_", "n_samples_seen_"))
    if step.with_mean:
        # Centering is affine: kept as a step (it only ever saw dense input), so
        # the weights are quantized in the scaled, centered space, as scikit-learn
        # applies them. Not column-wise in the folding sense: a scale before it
        # cannot move past the shift into the weights.
        return StepRewrite(new)
    scale = np.ones(len(features)) if new.scale_ is None else 1.0 / new.scale_
    # One standard deviation in, one out: quantized as a one-hot feature is.
    return StepRewrite(new, column_scale=scale, column_wise=True, input_magnitude=new.scale_)


def _rewrite_normalizer(step, features):
    # Row-wise and stateless, but it checks the number of input columns.
    new = copy.copy(step)
    new.n_features_in_ = len(features)
    return StepRewrite(new)


# -- what this module contributes (collected by compose/_compress.py)

STEP_REWRITES = {
    SelectorMixin: _rewrite_selector,
    MaxAbsScaler: _rewrite_max_abs_scaler,
    StandardScaler: _rewrite_standard_scaler,
    Normalizer: _rewrite_normalizer,
}
