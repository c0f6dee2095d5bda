"""A plain reference CRF scorer over float weights, for the equivalence tests.

It scores with a dict of attribute names, so it checks the hashing, the
sparse layout and the quantization of CompressedCRF, and (fed the exact
weights) the attribute rules and the decoding against CRFsuite itself.
"""

import numpy as np

from sklearn_compress.crf._attributes import c_string, sequence_attributes
from sklearn_compress.crf._model_file import read_model_bytes


def exact_weights(crf):
    with open(crf.modelfile.name, "rb") as f:
        return read_model_bytes(f.read())


def _as_text(name):
    return c_string(name).decode("utf-8") if isinstance(name, bytes) else c_string(name)


def state_weights_by_name(weights):
    """``{attribute name: {label id: weight}}`` of a CrfWeights."""
    by_name = {}
    for a, y, w in zip(weights.state_attributes.tolist(), weights.state_labels.tolist(),
                       weights.state_weights.tolist(), strict=True):
        by_name.setdefault(weights.attributes[a].decode("utf-8"), {})[y] = w
    return by_name


def dequantized_weights_by_name(tagger, weights):
    """``{attribute name: {label id: code * scale}}`` of a CompressedCRF, via its hash."""
    # Slot s's entries end at the (s + 1)-th entry whose lowest bit is set.
    ends = np.flatnonzero(tagger.entry_labels_ & 1) + 1
    starts = np.concatenate([[0], ends[:-1]])
    by_name = {}
    for name in weights.attributes:
        slot = tagger.mph_.get(name)
        if slot < 0:
            continue
        entries = slice(starts[slot], ends[slot])
        by_name[name.decode("utf-8")] = {
            int(y): float(code) * tagger.state_scales_[y]
            for y, code in zip(tagger.entry_labels_[entries] >> 1,
                               tagger.state_codes_[entries], strict=True)}
    return by_name


def transition_matrix(weights):
    n_labels = len(weights.labels)
    matrix = np.zeros((n_labels, n_labels))
    matrix[weights.transition_from, weights.transition_to] = weights.transition_weights
    return matrix


def state_scores(xseq, by_name, n_labels):
    names, values, token_ends = [], [], []
    sequence_attributes(xseq, names, values, token_ends)
    scores = np.zeros((len(token_ends), n_labels))
    start = 0
    for t, end in enumerate(token_ends):
        for name, value in zip(names[start:end], values[start:end], strict=True):
            for y, w in by_name.get(_as_text(name), {}).items():
                scores[t, y] += value * w
        start = end
    return scores


def path_score(state, transition, path):
    path = np.asarray(path)
    if not len(path):
        return 0.0
    return float(state[np.arange(len(path)), path].sum() + transition[path[:-1], path[1:]].sum())
