"""How faithful a compressed model is to its original, measured on a sample.

:func:`measure_fidelity` compares the predictions and the continuous outputs
(``predict_proba``, else ``decision_function``, else the regression
predictions) of two models on the same inputs. ``compress()`` uses it to check
the model it returns against its calibration sample and to search the
smallest file meeting an accuracy budget; ``compression_report`` prints it.
"""

import os
import pickle
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.base import is_regressor
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, Normalizer, StandardScaler

__all__ = [
    "Fidelity",
    "Reference",
    "calibration_magnitude",
    "compression_settings",
    "file_bytes",
    "measure_fidelity",
    "saved_file_bytes",
    "warn_unmeasured_risks",
]

# Agreement on the calibration sample under which compress() warns, when no
# min_agreement was asked for.
WARN_BELOW_AGREEMENT = 0.99
# A regressor's prediction "agrees" when it moves by at most this share of
# the spread (max - min) of the original's predictions on the sample.
REGRESSION_TOLERANCE = 0.01


def _continuous_method(model):
    for method in ("predict_proba", "decision_function"):
        if hasattr(model, method):
            return method
    return "predict"


@dataclass
class Reference:
    """The original model's outputs on a sample, computed once."""

    predictions: np.ndarray
    outputs: np.ndarray
    method: str
    regressor: bool

    @classmethod
    def of(cls, model, X):
        method = _continuous_method(model)
        predictions = np.asarray(model.predict(X))
        outputs = predictions if method == "predict" else np.asarray(getattr(model, method)(X))
        return cls(predictions, outputs.astype(np.float64, copy=False)
                   if outputs.dtype.kind in "biuf" else outputs, method, is_regressor(model))


@dataclass
class Fidelity:
    """Agreement of a compressed model with its original on ``n_samples`` inputs.

    Attributes
    ----------
    n_samples : int
    agreement : float
        Share of identical predictions (identical label sets for multilabel
        classifiers); for regressors, share of predictions moving by at most
        1% of the spread of the original's predictions.
    n_changed : int
        Inputs whose prediction changed (as agreement counts them).
    changed_share : float
    method : str
        The output whose change is measured: "predict_proba",
        "decision_function" or "predict" (regressors).
    max_change, p99_change : float
        Largest and 99th-percentile per-input change of that output (per
        input: the largest absolute change over its columns).
    """

    n_samples: int
    agreement: float
    n_changed: int
    changed_share: float
    method: str
    max_change: float
    p99_change: float

    def lines(self):
        """Human-readable lines, as the report prints them."""
        return [
            f"prediction agreement on {self.n_samples} samples: {100 * self.agreement:.2f}% "
            f"({self.n_changed} changed, {100 * self.changed_share:.2f}%)",
            f"largest change of {self.method}: {self.max_change:.4g} "
            f"(99th percentile per sample {self.p99_change:.4g})",
        ]


def _row_change(original, compressed):
    change = np.abs(np.asarray(compressed, dtype=np.float64) - original)
    return change.reshape(len(change), -1).max(axis=1) if change.ndim > 1 else change


def _agreeing(reference, predictions):
    if reference.regressor:
        spread = np.ptp(reference.predictions) if reference.predictions.size else 0.0
        return _row_change(reference.predictions, predictions) <= REGRESSION_TOLERANCE * spread
    same = reference.predictions == predictions
    return same.reshape(len(same), -1).all(axis=1)


def measure_fidelity(original, compressed, X, reference=None):
    """Compare ``compressed`` with ``original`` on the inputs ``X``.

    Parameters
    ----------
    original, compressed : fitted estimators or pipelines taking ``X``
    X : the inputs both models take (dicts, texts, a matrix)
    reference : Reference, default=None
        ``original``'s outputs on ``X`` if already computed.

    Returns
    -------
    Fidelity
    """
    reference = Reference.of(original, X) if reference is None else reference
    predictions = np.asarray(compressed.predict(X))
    agreeing = _agreeing(reference, predictions)
    n_samples = len(agreeing)
    outputs = predictions if reference.method == "predict" else getattr(
        compressed, reference.method)(X)
    change = _row_change(reference.outputs, outputs) if n_samples else np.zeros(1)
    n_changed = int(n_samples - agreeing.sum())
    return Fidelity(
        n_samples=n_samples, agreement=float(agreeing.mean()) if n_samples else 1.0,
        n_changed=n_changed, changed_share=n_changed / max(n_samples, 1),
        method=reference.method, max_change=float(change.max()),
        p99_change=float(np.percentile(change, 99)),
    )


def _steps(model):
    return [step for _, step in model.steps] if isinstance(model, Pipeline) else [model]


def compression_settings(compressed):
    """The settings a compressed model was built with, by parameter name."""
    settings = {}
    for step in _steps(compressed):
        if not hasattr(step, "get_params"):
            continue
        params = step.get_params(deep=False)
        for name in ("bits", "per_class", "sparsity", "fingerprint_bits"):
            if name in params:
                settings[name] = params[name]
        if getattr(step, "feature_exponents_", None) is not None:
            settings["per_feature_grids"] = int(np.count_nonzero(step.feature_exponents_))
    return settings


def saved_file_bytes(model):
    """Bytes of the file ``save()`` writes for ``model``; None if it cannot be saved."""
    from ..io import save  # the persistence driver; imported late, only for sizes

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.skc")
        try:
            save(model, path)
        except ValueError:  # e.g. a custom tokenizer: the safe format holds no code
            return None
        return os.path.getsize(path)


def file_bytes(model):
    """Bytes of the file ``save()`` writes for ``model`` (its pickle if it cannot)."""
    saved = saved_file_bytes(model)
    return len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)) if saved is None else saved


def calibration_magnitude(model, X):
    """Largest absolute value of each input column of the final estimator, on ``X``."""
    if isinstance(model, Pipeline) and len(model.steps) > 1:
        X = model[:-1].transform(X)
    if sparse.issparse(X):
        return np.asarray(abs(sparse.csr_array(X)).max(axis=0).toarray()).ravel()
    return np.abs(np.asarray(X, dtype=np.float64)).max(axis=0, initial=0.0)


def _numeric_keys(vectorizer):
    """Features of a fitted DictVectorizer that came from numeric values (no "key=value")."""
    separator = vectorizer.separator
    return [name for name in vectorizer.feature_names_ if separator not in str(name)]


def _states_magnitudes(step):
    """Whether a step bounds or states the magnitude of each feature (a scaler, a row norm)."""
    if isinstance(step, TfidfTransformer):
        return step.norm is not None
    return isinstance(step, (MaxAbsScaler, StandardScaler, Normalizer))


def warn_unmeasured_risks(model):
    """Warn about what compress() cannot measure without a calibration sample.

    A ``DictVectorizer`` mixing numeric-valued keys with one-hot string
    features: the numeric values' magnitudes are unknown, and a feature
    with large values has small weights that one grid may round to zero
    (measured: a count up to 2,000 beside one-hot words lost 6 points of
    accuracy). Bag-of-words dicts (all keys numeric, small counts) do not
    warn, nor does a pipeline whose scaler or row norm states the magnitudes.
    """
    steps = _steps(model)
    for position, step in enumerate(steps):
        if type(step) is not DictVectorizer or not hasattr(step, "feature_names_"):
            continue
        if any(_states_magnitudes(later) for later in steps[position + 1:]):
            continue
        numeric = _numeric_keys(step)
        if numeric and len(numeric) < len(step.feature_names_):
            warnings.warn(
                f"the DictVectorizer has {len(numeric)} numeric-valued feature(s) (e.g. "
                f"{numeric[0]!r}) beside one-hot string features; their magnitudes are "
                "unknown, so their weights are quantized as if their values were 0 or 1. "
                "Pass a sample of inputs, compress(model, X), to quantize for their real "
                "magnitudes and check the result, or scale them (MaxAbsScaler).",
                UserWarning, stacklevel=3)


@dataclass
class Trial:
    """One configuration the accuracy-budget search compressed and measured."""

    settings: dict
    agreement: float
    file_bytes: int


def _silent(message):
    """The progress function of verbose=0."""


def _to_stderr(message):
    print(f"[sklearn-compress] {message}", file=sys.stderr, flush=True)


def progress_printer(verbose):
    """A function printing a progress line to stderr if ``verbose``, else doing nothing."""
    return _to_stderr if verbose else _silent


def search_smallest(compress_with, settings_groups, agreement_of, min_agreement,
                    progress=_silent):
    """The smallest compressed model whose agreement is at least ``min_agreement``.

    ``settings_groups`` is a list of lists of settings, each inner list
    ordered from the largest to the smallest file (e.g. bits 8, 7, ... for
    one choice of the other settings): a group is walked until a setting
    misses the budget, since fewer bits only lose agreement. Returns
    ``(model, trials)``; raises ValueError naming the best agreement reached
    and its settings when no setting meets the budget. ``progress`` gets a
    line per trial.
    """
    best, trials = None, []
    for group in settings_groups:
        for settings in group:
            start = time.perf_counter()
            model = compress_with(settings)
            trial = Trial(settings, agreement_of(model), file_bytes(model))
            trials.append(trial)
            progress(f"trial {len(trials)}: {_settings_text(settings)}: agreement "
                     f"{100 * trial.agreement:.2f}%, {trial.file_bytes:,} bytes "
                     f"({time.perf_counter() - start:.1f} s)")
            if trial.agreement < min_agreement:
                break
            if best is None or trial.file_bytes < best[1].file_bytes:
                best = (model, trial)
    if best is None:
        closest = max(trials, key=lambda trial: trial.agreement)
        raise ValueError(
            f"no compression reaches min_agreement={min_agreement} on the calibration "
            f"sample: the best agreement is {100 * closest.agreement:.2f}%, with "
            f"{_settings_text(closest.settings)}; lower min_agreement or give a larger X")
    return best[0], trials


def _settings_text(settings):
    return ", ".join(f"{name}={value!r}" for name, value in settings.items())


def warn_if_low_agreement(fidelity):
    """compress() with X and no budget: warn when the sample shows changed predictions."""
    if fidelity.agreement < WARN_BELOW_AGREEMENT:
        warnings.warn(
            f"the compressed model agrees with the original on only "
            f"{100 * fidelity.agreement:.2f}% of the {fidelity.n_samples} calibration samples; "
            "pass min_agreement= (e.g. 0.995) to get the smallest model that agrees on at "
            "least that share", UserWarning, stacklevel=3)
