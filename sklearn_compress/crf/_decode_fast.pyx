"""Compiled per-sequence work of the CRF tagger: the index of the
per-attribute entries (built and checked at load), the gather of state scores
from them, Viterbi paths and forward-backward marginals, for every sequence of
a batch in one call (the decoding without the GIL).

A batch is the state scores of all its tokens, ``state[t, y]``, and the end
of each sequence in it. Transitions are an ``L x L`` matrix of float64 or of
int8 codes; either is multiplied by ``scale`` as it is read, which gives the
same float64 as ``codes * scale`` in numpy (and leaves floats unchanged for
``scale=1``).
"""

import numpy as np

from libc.math cimport exp
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t

ctypedef fused transition_t:
    double
    signed char

ctypedef fused label_t:
    uint8_t
    uint16_t
    uint32_t


def entry_block_starts(const label_t[::1] entry_labels, Py_ssize_t n_slots,
                       Py_ssize_t n_labels, int shift):
    """The first entry of every ``2**shift``-th slot, after checking the layout.

    ``entry_labels[e]`` is ``2 * label + 1`` on the last entry of a slot and
    ``2 * label`` on the others; slot ``s``'s entries follow those of slots
    ``0 .. s - 1``. One pass, no temporary array: the layout is valid when
    every label is below ``n_labels``, exactly ``n_slots`` entries end a slot
    and the last entry ends one (so that no read runs past the array).
    """
    cdef Py_ssize_t n_entries = entry_labels.shape[0], e, slot = 0
    cdef Py_ssize_t mask = (1 << shift) - 1
    starts_array = np.zeros((n_slots >> shift) + 1, dtype=np.int64)
    cdef int64_t[::1] starts = starts_array
    cdef uint64_t value, label_limit = <uint64_t>n_labels
    for e in range(n_entries):
        value = entry_labels[e]
        if (value >> 1) >= label_limit:
            raise ValueError(f"label ids reach {value >> 1} for {n_labels} labels")
        if value & 1:
            slot += 1
            if slot > n_slots:
                break
            if slot & mask == 0:
                starts[slot >> shift] = e + 1
    if slot != n_slots or (n_entries and not entry_labels[n_entries - 1] & 1):
        raise ValueError(f"the entries end {slot} attributes for {n_slots} hash slots")
    return starts_array


def state_scores(const int64_t[::1] slots, list values, list token_ends,
                 const int64_t[::1] block_starts, int shift, const label_t[::1] entry_labels,
                 const signed char[::1] codes, const double[::1] scales):
    """``scores[t, y]``: the dequantized state score of label ``y`` at token ``t``.

    Attribute ``a`` (slot ``slots[a]``, -1 if unknown; value ``values[a]``)
    belongs to the first token ``t`` with ``a < token_ends[t]``. The entries
    of a slot are found from its block's first entry (``block_starts``, see
    :func:`entry_block_starts`) by skipping the slots before it in the block.
    Entries are added in attribute order, as ``np.bincount`` adds them, then
    each label's column is multiplied by its scale: the same floats as the
    numpy gather.
    """
    cdef Py_ssize_t n_tokens = len(token_ends), n_labels = scales.shape[0]
    cdef Py_ssize_t n_attributes = slots.shape[0]
    if len(values) != n_attributes:
        raise ValueError(f"{len(values)} attribute values for {n_attributes} slots")
    scores = np.zeros((n_tokens, n_labels), dtype=np.float64)
    cdef double[:, ::1] out = scores
    cdef Py_ssize_t t, y, a = 0, end
    cdef int64_t slot, entry, skip
    cdef int64_t mask = (1 << shift) - 1
    cdef uint64_t value
    cdef double weight
    # With the GIL: the values are read from their list only for the attributes
    # found (2.3 us per SNIPS sentence less than converting the list first).
    for t in range(n_tokens):
        end = min(<Py_ssize_t>token_ends[t], n_attributes)
        while a < end:
            slot = slots[a]
            if slot >= 0:
                weight = values[a]
                entry = block_starts[slot >> shift]
                skip = slot & mask
                while skip:
                    skip -= entry_labels[entry] & 1
                    entry += 1
                while True:
                    value = entry_labels[entry]
                    out[t, value >> 1] += <double>codes[entry] * weight
                    entry += 1
                    if value & 1:
                        break
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
    best_array = np.empty((n_tokens, n_labels), dtype=np.float64)
    from_array = np.empty((n_labels, n_labels), dtype=np.float64)
    cdef Py_ssize_t[::1] path = paths
    cdef double[:, ::1] best = best_array
    cdef double[:, ::1] from_label = from_array
    cdef Py_ssize_t k, t, i, y, best_label, begin = 0, end
    with nogil:
        for i in range(n_labels):
            for y in range(n_labels):
                from_label[i, y] = transition_score(transition, scale, i, y)
        for k in range(sequence_ends.shape[0]):
            end = sequence_ends[k]
            if end == begin:
                continue
            for y in range(n_labels):
                best[begin, y] = state[begin, y]
            for t in range(begin + 1, end):
                _best_scores(&best[t - 1, 0], &from_label[0, 0], &state[t, 0], &best[t, 0],
                             n_labels)
            best_label = 0
            for y in range(1, n_labels):
                if best[end - 1, y] > best[end - 1, best_label]:
                    best_label = y
            path[end - 1] = best_label
            for t in range(end - 1, begin, -1):
                path[t - 1] = _best_previous(&best[t - 1, 0], &from_label[0, 0], path[t],
                                             n_labels)
            begin = end
    return paths


cdef inline void _best_scores(const double* previous, const double* from_label,
                              const double* state, double* best,
                              Py_ssize_t n_labels) noexcept nogil:
    """``best[y] = max_i(previous[i] + from_label[i, y]) + state[y]``.

    Previous labels in the outer loop, labels in the inner one: the inner
    loop is a running maximum over a contiguous transition row, which the
    compiler vectorizes. No back-pointers: the path is traced afterwards by
    :func:`_best_previous`, which finds the same maximum again for one label
    per token. (SNIPS test sentences, 72 labels: 34 us of CPU per sentence
    with the argmax as the inner loop, 18 us so.)
    """
    cdef Py_ssize_t i, y
    cdef double candidate
    for y in range(n_labels):
        best[y] = previous[0] + from_label[y]
    for i in range(1, n_labels):
        for y in range(n_labels):
            candidate = previous[i] + from_label[i * n_labels + y]
            best[y] = candidate if candidate > best[y] else best[y]
    for y in range(n_labels):
        best[y] += state[y]


cdef inline Py_ssize_t _best_previous(const double* previous, const double* from_label,
                                      Py_ssize_t label, Py_ssize_t n_labels) noexcept nogil:
    """The first ``i`` maximizing ``previous[i] + from_label[i, label]``: the same sums as
    :func:`_best_scores` compares, so the same maximum and the lowest label among ties."""
    cdef Py_ssize_t i, best_label = 0
    cdef double candidate, top = previous[0] + from_label[label]
    for i in range(1, n_labels):
        candidate = previous[i] + from_label[i * n_labels + label]
        if candidate > top:
            top, best_label = candidate, i
    return best_label


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
