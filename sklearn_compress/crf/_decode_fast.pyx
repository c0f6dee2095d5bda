"""Compiled per-sequence work of the CRF tagger: the gather of state scores
from the sparse per-attribute entries, Viterbi paths and forward-backward
marginals, for every sequence of a batch in one call (without the GIL).

A batch is the state scores of all its tokens, ``state[t, y]``, and the end
of each sequence in it. Transitions are an ``L x L`` matrix of float64 or of
int8 codes; either is multiplied by ``scale`` as it is read, which gives the
same float64 as ``codes * scale`` in numpy (and leaves floats unchanged for
``scale=1``).
"""

import numpy as np

from libc.math cimport exp
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t

ctypedef fused transition_t:
    double
    signed char

ctypedef fused label_t:
    uint8_t
    uint16_t
    uint32_t


def state_scores(const int64_t[::1] slots, list values, list token_ends,
                 const int64_t[::1] block_starts, const uint16_t[::1] slot_offsets,
                 int shift, const label_t[::1] label_ids, const signed char[::1] codes,
                 const double[::1] scales):
    """``scores[t, y]``: the dequantized state score of label ``y`` at token ``t``.

    Attribute ``a`` (slot ``slots[a]``, -1 if unknown; value ``values[a]``)
    belongs to the first token ``t`` with ``a < token_ends[t]``. Entries are
    added in attribute order, as ``np.bincount`` adds them, then each label's
    column is multiplied by its scale: the same floats as the numpy gather.
    """
    cdef Py_ssize_t n_tokens = len(token_ends), n_labels = scales.shape[0]
    cdef Py_ssize_t n_attributes = slots.shape[0]
    if len(values) != n_attributes:
        raise ValueError(f"{len(values)} attribute values for {n_attributes} slots")
    scores = np.zeros((n_tokens, n_labels), dtype=np.float64)
    cdef double[:, ::1] out = scores
    cdef double[::1] weights = np.asarray(values, dtype=np.float64)
    cdef int64_t[::1] ends = np.asarray(token_ends, dtype=np.int64)
    cdef Py_ssize_t t, y, a = 0, end
    cdef int64_t slot, entry, stop
    with nogil:
        for t in range(n_tokens):
            end = min(<Py_ssize_t>ends[t], n_attributes)
            while a < end:
                slot = slots[a]
                if slot >= 0:
                    entry = block_starts[slot >> shift] + slot_offsets[slot]
                    stop = block_starts[(slot + 1) >> shift] + slot_offsets[slot + 1]
                    while entry < stop:
                        out[t, label_ids[entry]] += <double>codes[entry] * weights[a]
                        entry += 1
                a += 1
            for y in range(n_labels):
                out[t, y] *= scales[y]
    return scores


cdef inline double transition_score(const transition_t[:, ::1] transition, double scale,
                                    Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    return <double>transition[i, j] * scale


def _check_batch(const double[:, ::1] state, const int64_t[::1] sequence_ends,
                 Py_ssize_t n_transition_rows, Py_ssize_t n_transition_columns):
    cdef Py_ssize_t k, begin = 0
    if n_transition_rows != state.shape[1] or n_transition_columns != state.shape[1]:
        raise ValueError(f"transitions of shape ({n_transition_rows}, {n_transition_columns}) "
                         f"for {state.shape[1]} labels")
    for k in range(sequence_ends.shape[0]):
        if sequence_ends[k] < begin or sequence_ends[k] > state.shape[0]:
            raise ValueError("sequence ends must be non-decreasing and within the tokens")
        begin = sequence_ends[k]


def viterbi_paths(const double[:, ::1] state, const int64_t[::1] sequence_ends,
                  const transition_t[:, ::1] transition, double scale):
    """The best label path of each sequence, concatenated (intp array over the tokens).

    Ties go to the lowest label, as in CRFsuite (which keeps the first
    maximum, ``max < score``) and as ``argmax`` does.
    """
    _check_batch(state, sequence_ends, transition.shape[0], transition.shape[1])
    cdef Py_ssize_t n_tokens = state.shape[0], n_labels = state.shape[1]
    paths = np.zeros(n_tokens, dtype=np.intp)
    back_array = np.zeros((n_tokens, n_labels), dtype=np.intp)
    score_array = np.empty((2, n_labels), dtype=np.float64)
    # The scores into each label, one contiguous row per label: the inner loop
    # over previous labels then reads memory in order.
    into_array = np.empty((n_labels, n_labels), dtype=np.float64)
    cdef Py_ssize_t[::1] path = paths
    cdef Py_ssize_t[:, ::1] back = back_array
    cdef double[:, ::1] score = score_array
    cdef double[:, ::1] into = into_array
    cdef Py_ssize_t k, t, i, y, best_label, begin = 0, end, now
    cdef double best, candidate
    with nogil:
        for i in range(n_labels):
            for y in range(n_labels):
                into[y, i] = transition_score(transition, scale, i, y)
        for k in range(sequence_ends.shape[0]):
            end = sequence_ends[k]
            if end == begin:
                continue
            now = 0
            for y in range(n_labels):
                score[now, y] = state[begin, y]
            for t in range(begin + 1, end):
                for y in range(n_labels):
                    best = score[now, 0] + into[y, 0]
                    best_label = 0
                    for i in range(1, n_labels):
                        candidate = score[now, i] + into[y, i]
                        if candidate > best:
                            best, best_label = candidate, i
                    back[t, y] = best_label
                    score[1 - now, y] = best + state[t, y]
                now = 1 - now
            best_label = 0
            for y in range(1, n_labels):
                if score[now, y] > score[now, best_label]:
                    best_label = y
            path[end - 1] = best_label
            for t in range(end - 1, begin, -1):
                path[t - 1] = back[t, path[t]]
            begin = end
    return paths


def sequence_marginals(const double[:, ::1] state, const int64_t[::1] sequence_ends,
                       const transition_t[:, ::1] transition, double scale):
    """``P(y_t = y | x)`` for every token and label of each sequence, shape ``(T, L)``.

    Scaled forward-backward in the exponential domain, as CRFsuite computes
    it, with each token's scores shifted by their maximum first (which does
    not change the marginals) and the transitions by theirs (at least 0), so
    that exponentials cannot overflow.
    """
    _check_batch(state, sequence_ends, transition.shape[0], transition.shape[1])
    cdef Py_ssize_t n_tokens = state.shape[0], n_labels = state.shape[1]
    result_array = np.zeros((n_tokens, n_labels), dtype=np.float64)
    exp_state_array = np.empty((n_tokens, n_labels), dtype=np.float64)
    exp_transition_array = np.empty((n_labels, n_labels), dtype=np.float64)
    beta_array = np.empty((n_tokens, n_labels), dtype=np.float64)
    work_array = np.empty(n_labels, dtype=np.float64)
    cdef double[:, ::1] alpha = result_array  # alpha, then alpha * beta, in place
    cdef double[:, ::1] exp_state = exp_state_array
    cdef double[:, ::1] exp_transition = exp_transition_array
    cdef double[:, ::1] beta = beta_array
    cdef double[::1] work = work_array
    cdef Py_ssize_t k, t, i, j, begin = 0, end
    cdef double top = 0.0, total, accumulated
    with nogil:
        for i in range(n_labels):
            for j in range(n_labels):
                top = max(top, transition_score(transition, scale, i, j))
        for i in range(n_labels):
            for j in range(n_labels):
                exp_transition[i, j] = exp(transition_score(transition, scale, i, j) - top)
        for t in range(n_tokens):
            accumulated = state[t, 0]
            for j in range(1, n_labels):
                accumulated = max(accumulated, state[t, j])
            for j in range(n_labels):
                exp_state[t, j] = exp(state[t, j] - accumulated)
        for k in range(sequence_ends.shape[0]):
            end = sequence_ends[k]
            if end == begin:
                continue
            total = 0.0
            for j in range(n_labels):
                total += exp_state[begin, j]
            for j in range(n_labels):
                alpha[begin, j] = exp_state[begin, j] / total
            for t in range(begin + 1, end):
                for j in range(n_labels):
                    work[j] = 0.0
                for i in range(n_labels):
                    for j in range(n_labels):
                        work[j] += alpha[t - 1, i] * exp_transition[i, j]
                total = 0.0
                for j in range(n_labels):
                    work[j] *= exp_state[t, j]
                    total += work[j]
                for j in range(n_labels):
                    alpha[t, j] = work[j] / total
            for j in range(n_labels):
                beta[end - 1, j] = 1.0
            for t in range(end - 2, begin - 1, -1):
                total = 0.0
                for i in range(n_labels):
                    accumulated = 0.0
                    for j in range(n_labels):
                        accumulated += exp_transition[i, j] * (exp_state[t + 1, j]
                                                               * beta[t + 1, j])
                    work[i] = accumulated
                    total += accumulated
                for i in range(n_labels):
                    beta[t, i] = work[i] / total
            for t in range(begin, end):
                total = 0.0
                for j in range(n_labels):
                    alpha[t, j] *= beta[t, j]
                    total += alpha[t, j]
                for j in range(n_labels):
                    alpha[t, j] /= total
            begin = end
    return result_array
