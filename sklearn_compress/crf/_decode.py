"""Viterbi decoding and forward-backward marginals of a linear-chain CRF.

The loops are compiled (``_decode_fast.pyx``) and take a batch of sequences:
the state scores of all their tokens, ``state[t, y]``, the end of each
sequence, and the transition scores ``transition[y_prev, y]`` (float64, or
int8 codes with their scale). :func:`viterbi` and :func:`marginals` are the
one-sequence forms over float transitions. :func:`entry_block_starts` and
:func:`state_scores` index and gather the tagger's per-attribute entries.
"""

import numpy as np

from ._decode_fast import entry_block_starts, sequence_marginals, state_scores, viterbi_paths

__all__ = ["entry_block_starts", "marginals", "sequence_marginals", "state_scores", "viterbi",
           "viterbi_paths"]


def _one_sequence(state, transition):
    state = np.ascontiguousarray(state, dtype=np.float64)
    return (state, np.array([len(state)], dtype=np.int64),
            np.ascontiguousarray(transition, dtype=np.float64))


def viterbi(state, transition):
    """The best label path of one sequence, breaking ties towards the lowest label
    as CRFsuite does."""
    state, ends, transition = _one_sequence(state, transition)
    return viterbi_paths(state, ends, transition, 1.0)


def marginals(state, transition):
    """``P(y_t = y | x)`` for every position and label of one sequence, shape ``(T, L)``."""
    state, ends, transition = _one_sequence(state, transition)
    return sequence_marginals(state, ends, transition, 1.0)
