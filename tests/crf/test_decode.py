"""The compiled Viterbi against a plain numpy one, ties included."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_compress.crf._decode import viterbi, viterbi_paths


def _numpy_viterbi(state, transition):
    """First maximum everywhere (``argmax``), as CRFsuite keeps the first one."""
    score, back = state[0], np.zeros(state.shape, dtype=np.intp)
    for t in range(1, len(state)):
        candidates = score[:, None] + transition
        back[t] = candidates.argmax(axis=0)
        score = candidates[back[t], np.arange(state.shape[1])] + state[t]
    path = [int(score.argmax())]
    for t in range(len(state) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(1, 9), st.integers(0, 2**32 - 1))
def test_viterbi_matches_numpy_with_ties(n_tokens, n_labels, seed):
    # Small integers: many paths tie exactly, and the lowest labels must win.
    rng = np.random.default_rng(seed)
    state = rng.integers(-2, 3, size=(n_tokens, n_labels)).astype(np.float64)
    transition = rng.integers(-2, 3, size=(n_labels, n_labels)).astype(np.float64)
    assert viterbi(state, transition).tolist() == _numpy_viterbi(state, transition)


def test_batches_decode_each_sequence_alone():
    rng = np.random.default_rng(0)
    lengths = [3, 0, 1, 5, 0, 2]
    state = rng.normal(size=(sum(lengths), 7))
    codes = rng.integers(-127, 128, size=(7, 7)).astype(np.int8)
    ends = np.cumsum(lengths)
    paths = viterbi_paths(state, ends, codes, 0.01).tolist()
    expected = [label for part in np.split(state, ends[:-1])
                if len(part) for label in _numpy_viterbi(part, codes * 0.01)]
    assert paths == expected
