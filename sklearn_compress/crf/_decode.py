"""Viterbi decoding and forward-backward marginals of a linear-chain CRF, in numpy.

Both take the state scores of one sequence, ``state[t, y]``, and the
transition scores ``transition[y_prev, y]``, and loop over positions with
numpy operations over the labels (a compiled kernel is planned for the loop).
"""

import numpy as np

__all__ = ["marginals", "viterbi"]


def viterbi(state, transition):
    """The best label path, breaking ties towards the lowest label as CRFsuite does.

    CRFsuite keeps the first maximum over previous labels (``max < score``) and
    over the last position's labels; ``argmax`` returns the first maximum too.
    """
    n_positions, n_labels = state.shape
    if n_positions == 0:
        return np.zeros(0, dtype=np.intp)
    back = np.zeros((n_positions, n_labels), dtype=np.intp)
    score = state[0]
    labels = np.arange(n_labels)
    for t in range(1, n_positions):
        candidates = score[:, None] + transition
        back[t] = candidates.argmax(axis=0)
        score = candidates[back[t], labels] + state[t]
    path = np.empty(n_positions, dtype=np.intp)
    path[-1] = score.argmax()
    for t in range(n_positions - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def marginals(state, transition):
    """``P(y_t = y | x)`` for every position and label, shape ``(T, L)``.

    Scaled forward-backward in the exponential domain, as CRFsuite computes
    it, with each position's scores shifted by their maximum first (which
    does not change the marginals) so that exponentials cannot overflow.
    """
    n_positions = len(state)
    if n_positions == 0:
        return np.zeros_like(state)
    exp_state = np.exp(state - state.max(axis=1, keepdims=True))
    exp_transition = np.exp(transition - transition.max(initial=0.0))
    alpha = np.empty_like(exp_state)
    beta = np.empty_like(exp_state)
    alpha[0] = exp_state[0] / exp_state[0].sum()
    for t in range(1, n_positions):
        forward = (alpha[t - 1] @ exp_transition) * exp_state[t]
        alpha[t] = forward / forward.sum()
    beta[-1] = 1.0
    for t in range(n_positions - 2, -1, -1):
        backward = exp_transition @ (exp_state[t + 1] * beta[t + 1])
        beta[t] = backward / backward.sum()
    result = alpha * beta
    result /= result.sum(axis=1, keepdims=True)
    return result
