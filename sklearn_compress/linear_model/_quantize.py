"""Weights to integer codes: the symmetric low-bit grid of QuantizedLinearModel.

``weight ~= code * scale`` with ``|code| <= 2**(bits - 1) - 1`` (zero is
exactly representable). The codes come out by feature, as a CSR
(n_features, n_outputs) int8 array without zeros, ready for a storage layout
(:mod:`._layouts`). No float copy of the whole weight matrix is ever made.
"""

import numpy as np
from scipy import sparse

__all__ = ["float_weights", "max_code", "quantize", "row_max_abs", "scales"]

# Weights quantized at once (2 MB of float64): a few temporaries of this size
# are all the memory quantization needs beyond the codes it produces.
_QUANTIZE_BLOCK_VALUES = 2**18


def float_weights(estimator):
    """``coef_`` as a 2-D (n_outputs, n_features) array (no copy) or float64 CSR array."""
    coef = estimator.coef_
    if sparse.issparse(coef):  # after SparseCoefMixin.sparsify()
        return sparse.csr_array(coef, dtype=np.float64)
    return np.atleast_2d(np.asarray(coef))


def _weight_blocks(weights, column_scale):
    """Yield (feature slice, float64 weights of those features times their scale).

    Dense weights are read a bounded block of features at a time, so that no
    float copy of the whole matrix is ever made; sparse weights in one go
    (their data is already only the non-zero weights).
    """
    if sparse.issparse(weights):
        weights = weights.tocsr()
        if column_scale is not None:
            weights = weights.multiply(np.asarray(column_scale)[None, :]).tocsr()
        yield slice(0, weights.shape[1]), weights
        return
    n_outputs, n_features = weights.shape
    step = max(1, _QUANTIZE_BLOCK_VALUES // max(n_outputs, 1))
    for start in range(0, n_features, step):
        block = slice(start, min(start + step, n_features))
        values = np.array(weights[:, block], dtype=np.float64)
        if column_scale is not None:
            values *= column_scale[block]
        yield block, values


def row_max_abs(weights, column_scale, name):
    """max |w| of each output row, checking that every weight is finite."""
    row_max = np.zeros(weights.shape[0])
    for _, values in _weight_blocks(weights, column_scale):
        data = values.data if sparse.issparse(values) else values
        if not np.all(np.isfinite(data)):
            raise ValueError(
                f"{name}.coef_ contains NaN or infinite weights; they cannot be quantized."
            )
        if values.shape[1]:
            block_max = abs(values).max(axis=1)
            block_max = block_max.toarray().ravel() if sparse.issparse(block_max) else block_max
            np.maximum(row_max, block_max, out=row_max)
    return row_max


def scales(row_max, bits, per_class):
    """Step between two levels: max |w| / (2**(bits-1) - 1), per row or global."""
    return row_max / max_code(bits) if per_class else row_max.max() / max_code(bits)


def max_code(bits):
    """The largest code magnitude of ``bits``-bit signed codes."""
    return 2 ** (bits - 1) - 1


def quantize(weights, scale, bits, column_scale):
    """Integer codes by feature: a CSR (n_features, n_outputs) int8 array."""
    n_outputs = weights.shape[0]
    # A zero scale means an all-zero row (or matrix): any divisor gives code 0.
    divisor = np.broadcast_to(np.where(scale > 0, scale, 1.0), (n_outputs,))
    largest = max_code(bits)
    blocks = []
    for _, values in _weight_blocks(weights, column_scale):
        if sparse.issparse(values):
            values = values.tocoo()
            codes = np.rint(values.data / divisor[values.row])
            codes = sparse.coo_array(
                (np.clip(codes, -largest, largest).astype(np.int8), (values.col, values.row)),
                shape=values.shape[::-1],
            ).tocsr()
        else:
            codes = np.rint(values / divisor[:, None])
            codes = sparse.csr_array(np.clip(codes, -largest, largest).astype(np.int8).T)
        blocks.append(codes)
    codes = sparse.vstack(blocks, format="csr") if len(blocks) != 1 else blocks[0]
    codes = sparse.csr_array(codes)
    codes.eliminate_zeros()
    codes.sort_indices()
    return codes
