"""Link functions: how a linear model's decision values become predictions.

Each fitted :class:`QuantizedLinearModel` records the link of the model it
quantized in ``link_`` (one of the ``LINK_*`` names below), and applies it as
scikit-learn 1.9 does for that model.
"""

import numpy as np
from scipy.special import expit
from sklearn import linear_model
from sklearn.utils.extmath import softmax

__all__ = [
    "LINKS",
    "LINK_IDENTITY",
    "LINK_LOGISTIC",
    "LINK_MODIFIED_HUBER",
    "LINK_MULTILABEL",
    "LINK_NONE",
    "LINK_OVR_LOGISTIC",
    "PROBA",
    "link_has",
    "link_of",
]

LINK_IDENTITY = "identity"  # regressor: the decision is the prediction
LINK_NONE = "none"  # classifier without predict_proba
LINK_LOGISTIC = "logistic"  # LogisticRegression: expit if binary, else softmax
LINK_OVR_LOGISTIC = "ovr_logistic"  # SGD log_loss: expit, normalized over classes
LINK_MODIFIED_HUBER = "modified_huber"  # SGD modified_huber: (clip(d, -1, 1) + 1) / 2
# RidgeClassifier fitted on an indicator matrix: one output per label, predicted where > 0.
LINK_MULTILABEL = "multilabel"
LINKS = (LINK_IDENTITY, LINK_NONE, LINK_LOGISTIC, LINK_OVR_LOGISTIC, LINK_MODIFIED_HUBER,
         LINK_MULTILABEL)


def link_of(estimator, is_classifier, multilabel=False):
    """The link function of a fitted supported estimator, as sklearn 1.9 applies it.

    ``multilabel``: the estimator was fitted on an indicator matrix.
    """
    if not is_classifier:
        return LINK_IDENTITY
    if multilabel:
        return LINK_MULTILABEL
    if isinstance(estimator, linear_model.LogisticRegression):
        # Since sklearn 1.8 LogisticRegression has no one-vs-rest mode: its
        # predict_proba is expit for two classes and softmax otherwise.
        return LINK_LOGISTIC
    if type(estimator) is linear_model.SGDClassifier:
        return {"log_loss": LINK_OVR_LOGISTIC, "modified_huber": LINK_MODIFIED_HUBER}.get(
            estimator.loss, LINK_NONE
        )
    return LINK_NONE


def _binary_columns(positive):
    return np.column_stack([1.0 - positive, positive])


def _normalize_rows(prob):
    """Divide each row by its sum, as sklearn does for one-vs-rest probabilities."""
    prob_sum = prob.sum(axis=1)
    all_zero = prob_sum == 0
    if np.any(all_zero):  # sklearn gives uniform probabilities then
        prob[all_zero, :] = 1
        prob_sum[all_zero] = prob.shape[1]
    prob /= prob_sum[:, None]
    return prob


def _logistic_proba(decision):
    if decision.ndim == 1:
        return _binary_columns(expit(decision))
    return softmax(decision)


def _ovr_logistic_proba(decision):
    if decision.ndim == 1:
        return _binary_columns(expit(decision))
    return _normalize_rows(expit(decision))


def _modified_huber_proba(decision):
    prob = (np.clip(decision, -1, 1) + 1.0) / 2.0
    if decision.ndim == 1:
        return _binary_columns(prob)
    return _normalize_rows(prob)


# link -> decision values -> probabilities, for the links that have them.
PROBA = {
    LINK_LOGISTIC: _logistic_proba,
    LINK_OVR_LOGISTIC: _ovr_logistic_proba,
    LINK_MODIFIED_HUBER: _modified_huber_proba,
}


def link_has(link, method):
    """Whether a model with this link offers ``method``."""
    if method in ("predict_proba", "predict_log_proba"):
        return link in PROBA
    if method == "decision_function":
        return link != LINK_IDENTITY
    raise ValueError(method)
