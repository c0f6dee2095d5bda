"""Span F1 and agreement of sequence taggers (for compression_report)."""

import numpy as np

__all__ = ["is_tagger", "span_f1", "tagging_comparison"]


def _spans(tags):
    """The ``(type, start, end)`` spans of a BIO tag sequence, conlleval's way.

    A span starts at ``B-x``, or at an ``I-x`` that does not continue a span
    of type ``x``; it ends before ``O``, ``B-*`` or a tag of another type.
    """
    spans, current = set(), None
    for position, tag in enumerate([*tags, "O"]):
        prefix, _, kind = str(tag).partition("-")
        continues = current is not None and prefix == "I" and kind == current[0]
        if current is not None and not continues:
            spans.add((current[0], current[1], position))
            current = None
        if prefix in ("B", "I") and not continues:
            current = (kind, position)
    return spans


def span_f1(y_true, y_pred):
    """Micro-averaged F1 of exactly matching BIO spans (conlleval's measure).

    >>> span_f1([["B-x", "I-x", "O"]], [["B-x", "I-x", "O"]])
    1.0
    >>> span_f1([["B-x", "I-x", "O"]], [["B-x", "O", "O"]])
    0.0
    """
    n_true = n_pred = n_correct = 0
    for expected, predicted in zip(y_true, y_pred, strict=True):
        true_spans, predicted_spans = _spans(expected), _spans(predicted)
        n_true += len(true_spans)
        n_pred += len(predicted_spans)
        n_correct += len(true_spans & predicted_spans)
    if n_correct == 0:
        return 0.0
    precision, recall = n_correct / n_pred, n_correct / n_true
    return 2 * precision * recall / (precision + recall)


def is_tagger(model):
    """Whether ``model`` labels sequences (has ``predict_marginals_single``)."""
    return callable(getattr(model, "predict_marginals_single", None))


def tagging_comparison(original, compressed, X, y=None):
    """Identical sequences, token agreement and span F1 of two taggers on ``X``.

    Returns
    -------
    dict
        ``n_samples`` (sequences), ``agreement`` (share of identically tagged
        sequences), ``token_agreement``, and with ``y`` the span F1 of both
        as ``score_original`` and ``score_compressed``.
    """
    before = [list(tags) for tags in original.predict(X)]
    after = [list(tags) for tags in compressed.predict(X)]
    tokens = [(a == b) for seq_a, seq_b in zip(before, after, strict=True)
              for a, b in zip(seq_a, seq_b, strict=True)]
    result = {
        "n_samples": len(before),
        "agreement": float(np.mean([a == b for a, b in zip(before, after, strict=True)])),
        "token_agreement": float(np.mean(tokens)) if tokens else 1.0,
    }
    if y is not None:
        result["score_original"] = span_f1(y, before)
        result["score_compressed"] = span_f1(y, after)
    return result
