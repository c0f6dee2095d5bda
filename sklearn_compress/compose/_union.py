"""compress() rewrites of the unions: FeatureUnion and ColumnTransformer.

A union stands where a vectorizer stands: its output columns are the
concatenation of its branches' columns, so its rewrite takes the mask of
columns to keep and returns the new union with the original column of each
new one, as a vectorizer's rewrite does. Each branch gets its slice of the
mask and is rewritten by its own entry, through the driver
(``context.rewrite_branch``): a vectorizer is compressed, a pipeline that
starts with one is rewritten step by step, and anything else (a numeric
scaler, "passthrough", a hashing vectorizer) is kept exactly with all its
columns. The model's weights then follow each branch's kept columns.
"""

import copy

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import FeatureUnion

__all__ = ["VECTORIZER_REWRITES"]

_DROP = "drop"


def _rewrite_branches(branches, keep, context, weights):
    """Rewrite (name, step, output slice) branches; (new steps, original columns).

    ``weights`` is the union's ``transformer_weights`` (a branch's output is
    multiplied by its weight, and so is any shift of it).
    """
    new_steps, columns = {}, []
    for name, step, output in branches:
        new_step, branch_columns = context.rewrite_branch(name, step, keep[output])
        new_steps[name] = context.uncentered_branch(new_step, output.start,
                                                    (weights or {}).get(name, 1.0))
        columns.append(np.asarray(branch_columns, dtype=np.int64) + output.start)
    columns = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
    return new_steps, columns


def _feature_union_outputs(union, n_columns, context):
    """(name, step, output slice) of each branch that gives columns."""
    branches, start = [], 0
    for name, step in union.transformer_list:
        if step is None or step == _DROP:
            continue
        width = context.output_width(step)
        branches.append((name, step, slice(start, start + width)))
        start += width
    if start != n_columns:
        raise TypeError(f"the branches of this FeatureUnion give {start} columns, the steps "
                        f"after it take {n_columns}")
    return branches


def _rewrite_feature_union(union, keep, context):
    branches = _feature_union_outputs(union, len(keep), context)
    new_steps, columns = _rewrite_branches(branches, keep, context, union.transformer_weights)
    new = copy.copy(union)
    new.transformer_list = [(name, new_steps.get(name, step))
                            for name, step in union.transformer_list]
    return new, columns


def _column_transformer_outputs(transformer):
    branches = []
    for name, step, _ in transformer.transformers_:
        output = transformer.output_indices_.get(name, slice(0, 0))
        if step != _DROP and output.stop > output.start:
            branches.append((name, step, output))
    return branches


def _new_output_indices(transformer, widths):
    indices, start = {}, 0
    for name in transformer.output_indices_:
        width = widths.get(name, 0)
        indices[name] = slice(start, start + width)
        start += width
    return indices


def _rewrite_column_transformer(transformer, keep, context):
    branches = _column_transformer_outputs(transformer)
    new_steps, columns = _rewrite_branches(branches, keep, context,
                                           transformer.transformer_weights)
    widths = {name: int(np.count_nonzero((columns >= output.start) & (columns < output.stop)))
              for name, _, output in branches}
    new = copy.copy(transformer)
    # The fitted column lists (callables already resolved at fit) replace the
    # given selectors: a safe file stores no code.
    new.transformers_ = [(name, new_steps.get(name, step), columns_of)
                         for name, step, columns_of in transformer.transformers_]
    fitted = {name: (step, columns_of) for name, step, columns_of in new.transformers_}
    # The parameters hold the compressed branches too (a clone of the
    # compressed pipeline refits them): nothing of the float model stays.
    new.transformers = [(name, step if isinstance(step, str) else fitted[name][0],
                         fitted[name][1]) for name, step, _ in transformer.transformers]
    new._columns = [fitted[name][1] for name, _, _ in transformer.transformers]
    if isinstance(transformer.remainder, BaseEstimator):
        new.remainder = fitted["remainder"][0]
    new._remainder = ("remainder", new.remainder, transformer._remainder[2])
    new.output_indices_ = _new_output_indices(transformer, widths)
    return new, columns


# -- what this module contributes (collected by compose/_compress.py)

VECTORIZER_REWRITES = {
    FeatureUnion: _rewrite_feature_union,
    ColumnTransformer: _rewrite_column_transformer,
}
