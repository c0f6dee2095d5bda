"""compression_report(): sizes, agreement and scores of a model and its compressed copy."""

import pickle
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.pipeline import Pipeline

from ..crf._metrics import is_tagger, tagging_comparison
from ._fidelity import Fidelity, compression_settings, measure_fidelity, saved_file_bytes

__all__ = [
    "CompressionReport",
    "compression_report",
    "format_table",
    "in_memory_bytes",
    "pickled_bytes",
    "size_breakdown",
]


def pickled_bytes(obj):
    """Length of ``pickle.dumps(obj)`` at the highest protocol."""
    return len(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _array_bytes(array, seen):
    # A view costs nothing beyond the array it views; count that one once. An
    # array over a foreign buffer (bytes read from a file, a memory map) counts
    # the part of the buffer it views. Only the data counts, as ``nbytes``
    # does: sys.getsizeof of an array that owns its data already includes it
    # (np.zeros(10**6, np.int8) was counted 2,000,112 bytes when both were added).
    base = array
    while isinstance(base.base, np.ndarray):
        base = base.base
    if id(base) in seen:
        return 0
    seen.add(id(base))
    return base.nbytes


def in_memory_bytes(obj, seen=None):
    """Approximate bytes held by ``obj`` and everything it references.

    Counts numpy arrays by their data (``nbytes``), sparse matrices by their arrays, and
    Python containers, strings and numbers by ``sys.getsizeof``; shared
    objects are counted once. Classes, modules and functions are not counted.
    """
    seen = set() if seen is None else seen
    stack, total = [obj], 0
    while stack:
        item = stack.pop()
        if isinstance(item, type) or (callable(item) and not hasattr(item, "__dict__")):
            continue
        if isinstance(item, np.ndarray):
            total += _array_bytes(item, seen)
            continue
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if sparse.issparse(item):
            stack.extend(a for a in (getattr(item, n, None) for n in
                                     ("data", "indices", "indptr", "row", "col"))
                         if a is not None)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif hasattr(item, "__dict__") and not isinstance(item, type(sys)):
            stack.append(item.__dict__)
    return total


@dataclass
class StepSizes:
    """Sizes of one step before and after compression."""

    name: str
    original: str
    compressed: str
    pickled_original: int
    pickled_compressed: int
    memory_original: int
    memory_compressed: int

    @property
    def pickled_ratio(self):
        return self.pickled_original / max(self.pickled_compressed, 1)

    @property
    def memory_ratio(self):
        return self.memory_original / max(self.memory_compressed, 1)


@dataclass
class CompressionReport:
    """What compression did to a model: per-step and total sizes, agreement, scores.

    Print it for a table; :meth:`to_dict` gives plain numbers. ``fidelity``
    (on the ``X`` given to :func:`compression_report`) holds the agreement,
    the number and share of changed predictions and the largest and 99th
    percentile per-sample change of ``predict_proba`` (else
    ``decision_function``, else the regression predictions); ``settings``
    the compression settings read from the compressed model.
    """

    steps: list = field(default_factory=list)
    total: StepSizes = None
    n_samples: int = None
    agreement: float = None
    score_original: float = None
    score_compressed: float = None
    token_agreement: float = None  # taggers: agreement is then on whole sequences
    fidelity: Fidelity = None
    settings: dict = field(default_factory=dict)
    file_compressed: int = None

    def to_dict(self) -> dict[str, Any]:
        """The report as nested plain dicts and numbers."""
        as_dict = asdict(self)
        for sizes, entry in zip([*self.steps, self.total], [*as_dict["steps"], as_dict["total"]],
                                strict=True):
            entry["pickled_ratio"] = sizes.pickled_ratio
            entry["memory_ratio"] = sizes.memory_ratio
        return as_dict

    def __str__(self):
        header = ("step", "original -> compressed", "pickled bytes", "ratio", "in-memory bytes",
                  "ratio")
        rows = [header]
        for sizes in [*self.steps, self.total]:
            rows.append((
                sizes.name, f"{sizes.original} -> {sizes.compressed}",
                f"{sizes.pickled_original:,} -> {sizes.pickled_compressed:,}",
                f"{sizes.pickled_ratio:.1f}x",
                f"{sizes.memory_original:,} -> {sizes.memory_compressed:,}",
                f"{sizes.memory_ratio:.1f}x",
            ))
        lines = format_table(rows)
        if self.file_compressed is not None:
            lines.append(f"compressed file (save()): {self.file_compressed:,} bytes, "
                         f"{self.total.pickled_original / self.file_compressed:.1f}x smaller "
                         "than the original's pickle")
        if self.settings:
            lines.append("settings: " + ", ".join(f"{k}={v!r}" for k, v in self.settings.items()))
        if self.fidelity is not None:
            lines.extend(self.fidelity.lines())
        if self.fidelity is None and self.agreement is not None:
            lines.append(f"prediction agreement on {self.n_samples} samples: "
                         f"{100 * self.agreement:.2f}%")
        if self.token_agreement is not None:
            lines.append(f"token agreement: {100 * self.token_agreement:.2f}% (span F1 scores)")
        if self.score_original is not None:
            lines.append(f"score: {self.score_original:.4f} original, "
                         f"{self.score_compressed:.4f} compressed")
        return "\n".join(lines)


def format_table(rows):
    """Lines of a plain-text table whose first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def size_breakdown(model):
    """Lines of a table of each step's type, pickled bytes and in-memory bytes."""
    rows = [("step", "type", "pickled bytes", "in-memory bytes")]
    for name, step in [*_named_steps(model), ("total", model)] if isinstance(
            model, Pipeline) else _named_steps(model):
        rows.append((name, type(step).__name__ if step != "passthrough" else "passthrough",
                     f"{pickled_bytes(step):,}", f"{in_memory_bytes(step):,}"))
    return format_table(rows)


def _named_steps(model):
    # A fitted search predicts with (and compresses to) its best estimator.
    model = getattr(model, "best_estimator_", model)
    if isinstance(model, Pipeline):
        return list(model.steps)
    return [("model", model)]


def _step_sizes(name, original, compressed):
    return StepSizes(
        name=name, original=type(original).__name__,
        compressed=type(compressed).__name__ if compressed != "passthrough" else "passthrough",
        pickled_original=pickled_bytes(original), pickled_compressed=pickled_bytes(compressed),
        memory_original=in_memory_bytes(original), memory_compressed=in_memory_bytes(compressed),
    )


def compression_report(
    original: Any, compressed: Any, X: Any = None, y: Any = None
) -> "CompressionReport":
    """Compare a model with its compressed copy.

    Parameters
    ----------
    original, compressed : estimator or Pipeline
        Pipelines are compared step by step (by step name).
    X : input accepted by both models, default=None
        If given, the fidelity figures on these samples (agreement, changed
        predictions, largest and 99th-percentile change of the outputs).
    y : array-like, default=None
        If given with ``X``, the ``score`` of both models. For sequence
        taggers (:class:`CompressedCRF`), ``agreement`` is the share of
        identically tagged sequences, ``token_agreement`` that of tokens,
        and the scores are span F1 (:func:`sklearn_compress.crf.span_f1`).

    Returns
    -------
    CompressionReport

    Examples
    --------
    >>> from sklearn.feature_extraction import DictVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_compress import compress, compression_report
    >>> X = [{"play": 1, "jazz": 1}, {"stop": 1}, {"play": 1}, {"stop": 1, "now": 1}]
    >>> y = ["p", "s", "p", "s"]
    >>> pipe = make_pipeline(DictVectorizer(), LogisticRegression()).fit(X, y)
    >>> report = compression_report(pipe, compress(pipe), X, y)
    >>> report.agreement, report.score_original == report.score_compressed
    (1.0, True)
    >>> [step.compressed for step in report.steps]
    ['CompressedVectorizer', 'QuantizedLinearModel']
    >>> sorted(report.to_dict()["total"])[:3]
    ['compressed', 'memory_compressed', 'memory_original']
    """
    original_steps = _named_steps(original)
    compressed_steps = dict(_named_steps(compressed))
    missing = [name for name, _ in original_steps if name not in compressed_steps]
    if missing:
        raise ValueError(f"the compressed model has no step named {missing[0]!r}")
    report = CompressionReport(
        steps=[_step_sizes(name, step, compressed_steps[name]) for name, step in original_steps],
        total=_step_sizes("total", original, compressed),
        settings=compression_settings(compressed),
        file_compressed=saved_file_bytes(compressed),
    )
    if X is not None and is_tagger(compressed):
        for name, value in tagging_comparison(original, compressed, X, y).items():
            setattr(report, name, value)
    elif X is not None:
        report.fidelity = measure_fidelity(original, compressed, X)
        report.n_samples = report.fidelity.n_samples
        report.agreement = report.fidelity.agreement
        if y is not None:
            report.score_original = float(original.score(X, y))
            report.score_compressed = float(compressed.score(X, y))
    return report
