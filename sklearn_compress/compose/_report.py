"""compression_report(): sizes, agreement and scores of a model and its compressed copy."""

import pickle
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.pipeline import Pipeline

from .._sklearn_compat import validate_parameter_constraints
from ..crf._metrics import is_tagger, tagging_comparison
from ._fidelity import (
    Fidelity,
    Reference,
    compression_settings,
    measure_fidelity,
    saved_file_bytes,
)
from ._progress import Progress

__all__ = [
    "CompressionReport",
    "compression_report",
    "final_step_and_input",
    "format_table",
    "in_memory_bytes",
    "pickled_bytes",
    "size_breakdown",
]


class _ByteCounter:
    """A file that only counts the bytes written to it."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, data: Any) -> int:
        size = memoryview(data).nbytes
        self.count += size
        return size


def pickled_bytes(obj: Any) -> int:
    """Length of ``pickle.dumps(obj)`` at the highest protocol.

    Counted as the pickler writes, not held: the pickle of a 1,068,890-feature
    pipeline is 234 MB, 205 MB of them a weight array that ``dumps`` copies
    (0.72 s against 0.53 s counted).
    """
    counter = _ByteCounter()
    pickle.dump(obj, counter, protocol=pickle.HIGHEST_PROTOCOL)
    return counter.count


# Objects that hold no reference the walk follows: counted by sys.getsizeof alone.
_LEAF_TYPES = frozenset({str, bytes, int, float, complex, bool, type(None)})


def _array_base(array: np.ndarray) -> np.ndarray:
    # A view costs nothing beyond the array it views; count that one once. An
    # array over a foreign buffer (bytes read from a file, a memory map) counts
    # the part of the buffer it views. Only the data counts, as ``nbytes``
    # does: sys.getsizeof of an array that owns its data already includes it
    # (np.zeros(10**6, np.int8) was counted 2,000,112 bytes when both were added).
    base = array
    while isinstance(base.base, np.ndarray):
        base = base.base
    return base


class _Footprint:
    """The objects reachable from one object, each once: their ids and bytes.

    Containers, estimators and array data (by the id of the array owning it)
    are kept by id in a dict; the strings and numbers that containers hold
    (``_LEAF_TYPES``, one per feature in a vocabulary) in id and size arrays
    filled by C loops: one Python iteration per object took in_memory_bytes
    of a 1,068,890-feature DictVectorizer 4.6 s, these loops 1.2 s (same
    total).
    """

    def __init__(self, skip: "set[int] | frozenset[int]" = frozenset()) -> None:
        self.sizes: dict[int, int] = {}
        self.skip = skip  # ids counted elsewhere (the ``seen`` of in_memory_bytes)
        self._leaf_ids: list[NDArray[np.intp]] = []
        self._leaf_sizes: list[NDArray[np.intp]] = []
        self._distinct: tuple[NDArray[np.intp], NDArray[np.intp]] | None = None

    def reached(self, key: int) -> bool:
        return key in self.sizes or key in self.skip

    def add_leaves(self, leaves: list[Any]) -> None:
        self._distinct = None
        count = len(leaves)
        self._leaf_ids.append(np.fromiter(map(id, leaves), np.intp, count))
        self._leaf_sizes.append(np.fromiter(map(sys.getsizeof, leaves), np.intp, count))

    def merge(self, other: "_Footprint") -> None:
        """Add what ``other`` (a part of this object, already walked) reached."""
        for key, size in other.sizes.items():
            if key not in self.skip:
                self.sizes[key] = size
        self._distinct = None
        ids, sizes = other.leaves()  # each of its leaves once: less to sort here
        self._leaf_ids.append(ids)
        self._leaf_sizes.append(sizes)

    def leaves(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """(ids, sizes) of the leaves, each object once, none of those counted elsewhere."""
        if self._distinct is None:
            self._distinct = self._distinct_leaves()
        return self._distinct

    def _distinct_leaves(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        if not self._leaf_ids:
            return np.zeros(0, np.intp), np.zeros(0, np.intp)
        ids, first = np.unique(np.concatenate(self._leaf_ids), return_index=True)
        sizes = np.concatenate(self._leaf_sizes)[first]
        elsewhere = np.fromiter((*self.sizes, *self.skip), np.intp)
        fresh = ~np.isin(ids, elsewhere)
        return ids[fresh], sizes[fresh]

    def total(self) -> int:
        return sum(self.sizes.values()) + int(self.leaves()[1].sum())


def _footprint(obj: Any, parts: "dict[int, _Footprint] | None" = None,
               skip: "set[int] | frozenset[int]" = frozenset()) -> _Footprint:
    """What ``obj`` references, walked; ``parts`` holds footprints of parts already walked."""
    footprint, stack = _Footprint(skip), [obj]
    sizes = footprint.sizes
    while stack:
        item = stack.pop()
        if isinstance(item, type) or (callable(item) and not hasattr(item, "__dict__")):
            continue
        if isinstance(item, np.ndarray):
            base = _array_base(item)
            if not footprint.reached(id(base)):
                sizes[id(base)] = base.nbytes
            continue
        if footprint.reached(id(item)):
            continue
        if parts is not None and id(item) in parts:
            footprint.merge(parts[id(item)])
            continue
        sizes[id(item)] = sys.getsizeof(item)
        children: Any = ()
        if sparse.issparse(item):
            stack.extend(a for a in (getattr(item, n, None) for n in
                                     ("data", "indices", "indptr", "row", "col"))
                         if a is not None)
        elif isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set, frozenset)):
            children = item
        elif hasattr(item, "__dict__") and not isinstance(item, type(sys)):
            stack.append(item.__dict__)
        if children:
            children = children if isinstance(children, list) else list(children)
            if set(map(type, children)) <= _LEAF_TYPES:
                footprint.add_leaves(children)
            else:
                footprint.add_leaves([c for c in children if type(c) in _LEAF_TYPES])
                stack.extend(c for c in children if type(c) not in _LEAF_TYPES)
    return footprint


def in_memory_bytes(obj: Any, seen: set[int] | None = None) -> int:
    """Approximate bytes held by ``obj`` and everything it references.

    Counts numpy arrays by their data (``nbytes``), sparse matrices by their arrays, and
    Python containers, strings and numbers by ``sys.getsizeof``; shared
    objects are counted once. Classes, modules and functions are not counted.
    ``seen``: ids of objects already counted, which are skipped; the ids of the
    objects counted are added to it.
    """
    if seen is None:
        return _footprint(obj).total()
    footprint = _footprint(obj, skip=seen)
    leaf_ids, leaf_sizes = footprint.leaves()
    seen.update(footprint.sizes)
    seen.update(leaf_ids.tolist())
    return sum(footprint.sizes.values()) + int(leaf_sizes.sum())


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
    def pickled_ratio(self) -> float:
        return self.pickled_original / max(self.pickled_compressed, 1)

    @property
    def memory_ratio(self) -> float:
        return self.memory_original / max(self.memory_compressed, 1)


@dataclass
class CompressionReport:
    """What compression did to a model: per-step and total sizes, agreement, scores.

    Print it for a table; :meth:`to_dict` gives plain numbers. ``fidelity``
    (on the ``X`` given to :func:`compression_report`) holds the agreement,
    the number and share of changed predictions and the largest and 99th
    percentile per-sample change of ``predict_proba`` (else
    ``decision_function``, else the regression predictions); ``settings``
    the compression settings read from the compressed model. A field that
    was not measured (no ``X``, no ``y``, not a tagger) is None.
    """

    steps: list[StepSizes] = field(default_factory=list)
    total: StepSizes | None = None
    n_samples: int | None = None
    agreement: float | None = None
    score_original: float | None = None
    score_compressed: float | None = None
    token_agreement: float | None = None  # taggers: agreement is then on whole sequences
    fidelity: Fidelity | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    file_compressed: int | None = None

    def _sizes(self) -> list[StepSizes]:
        return [*self.steps, *([] if self.total is None else [self.total])]

    def to_dict(self) -> dict[str, Any]:
        """The report as nested plain dicts and numbers."""
        as_dict = asdict(self)
        entries = [*as_dict["steps"], *([] if self.total is None else [as_dict["total"]])]
        for sizes, entry in zip(self._sizes(), entries, strict=True):
            entry["pickled_ratio"] = sizes.pickled_ratio
            entry["memory_ratio"] = sizes.memory_ratio
        return as_dict

    def __str__(self) -> str:
        header = ("step", "original -> compressed", "pickled bytes", "ratio", "in-memory bytes",
                  "ratio")
        rows = [header]
        for sizes in self._sizes():
            rows.append((
                sizes.name, f"{sizes.original} -> {sizes.compressed}",
                f"{sizes.pickled_original:,} -> {sizes.pickled_compressed:,}",
                f"{sizes.pickled_ratio:.1f}x",
                f"{sizes.memory_original:,} -> {sizes.memory_compressed:,}",
                f"{sizes.memory_ratio:.1f}x",
            ))
        lines = format_table(rows)
        if self.file_compressed is not None and self.total is not None:
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
        if self.score_original is not None and self.score_compressed is not None:
            lines.append(f"score: {self.score_original:.4f} original, "
                         f"{self.score_compressed:.4f} compressed")
        return "\n".join(lines)


def format_table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Lines of a plain-text table whose first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def size_breakdown(model: Any) -> list[str]:
    """Lines of a table of each step's type, pickled bytes and in-memory bytes."""
    rows = [("step", "type", "pickled bytes", "in-memory bytes")]
    for name, step in [*_named_steps(model), ("total", model)] if isinstance(
            model, Pipeline) else _named_steps(model):
        rows.append((name, type(step).__name__ if step != "passthrough" else "passthrough",
                     f"{pickled_bytes(step):,}", f"{in_memory_bytes(step):,}"))
    return format_table(rows)


def _named_steps(model: Any) -> list[tuple[str, Any]]:
    # A fitted search predicts with (and compresses to) its best estimator.
    model = getattr(model, "best_estimator_", model)
    if isinstance(model, Pipeline):
        return list(model.steps)
    return [("model", model)]


def _step_sizes(name: str, original: Any, compressed: Any,
                parts: dict[int, _Footprint]) -> StepSizes:
    """Sizes of one step (or the whole model); ``parts`` keeps each walk for the total.

    The whole model's in-memory bytes reuse what the walks of its steps
    reached instead of walking a vocabulary of a million strings again.
    """
    return StepSizes(
        name=name, original=type(original).__name__,
        compressed=type(compressed).__name__ if compressed != "passthrough" else "passthrough",
        pickled_original=pickled_bytes(original), pickled_compressed=pickled_bytes(compressed),
        memory_original=_walked(original, parts), memory_compressed=_walked(compressed, parts),
    )


def _walked(obj: Any, parts: dict[int, _Footprint]) -> int:
    footprint = _footprint(obj, parts)
    parts[id(obj)] = footprint
    return footprint.total()


def compression_report(
    original: Any, compressed: Any, X: Any = None, y: Any = None, *, verbose: int | bool = 0
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
    verbose : int or bool, default=0
        If positive, print a line to stderr as each part of the report is
        measured (the sizes of each step, of the whole model, of the
        compressed file; the outputs on ``X``; the scores), with its wall
        time, and a bar over the steps when stderr is a terminal.

    Returns
    -------
    CompressionReport

    Raises
    ------
    ValueError
        If the compressed pipeline lacks a step of the original's, or
        ``verbose`` is not an int or a bool.

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
    validate_parameter_constraints(_REPORT_CONSTRAINTS, {"verbose": verbose},
                                   caller_name="compression_report")
    progress = Progress(verbose)
    original_steps = _named_steps(original)
    compressed_steps = dict(_named_steps(compressed))
    missing = [name for name, _ in original_steps if name not in compressed_steps]
    if missing:
        raise ValueError(f"the compressed model has no step named {missing[0]!r}")
    parts: dict[int, _Footprint] = {}
    report = CompressionReport(
        steps=_steps_sizes(original_steps, compressed_steps, parts, progress),
        settings=compression_settings(compressed),
    )
    with progress.step("sizes of the whole model"):
        report.total = _step_sizes("total", original, compressed, parts)
    with progress.step("bytes of the compressed file (save())"):
        report.file_compressed = saved_file_bytes(compressed)
    if X is not None and is_tagger(compressed):
        with progress.step(f"tagging comparison on {len(X)} sequences"):
            for name, value in tagging_comparison(original, compressed, X, y).items():
                setattr(report, name, value)
    elif X is not None:
        _compare_on_sample(report, original, compressed, X, y, progress)
    return report


_REPORT_CONSTRAINTS = {"verbose": ["verbose"]}


def _steps_sizes(original_steps: list[tuple[str, Any]], compressed_steps: dict[str, Any],
                 parts: dict[int, _Footprint], progress: Progress) -> list[StepSizes]:
    sizes = []
    for done, (name, step) in enumerate(original_steps):
        progress.bar(done, len(original_steps), "step sizes")
        with progress.step(f"sizes of step {name!r}"):
            sizes.append(_step_sizes(name, step, compressed_steps[name], parts))
    progress.done()
    return sizes


def final_step_and_input(model: Any, X: Any) -> tuple[Any, Any]:
    """(final estimator, X through the steps before it), to transform X once per model.

    A pipeline's predict, predict_proba and score each transform X again:
    the report asked for six transforms of the sample (three per model).
    Transforming once, its part on 120,000 texts through a 1,068,890-feature
    DictVectorizer pipeline went from 7.1 s to 3.0 s.
    """
    if isinstance(model, Pipeline) and len(model.steps) > 1:
        return model[-1], model[:-1].transform(X)
    return model, X


def _compare_on_sample(report: CompressionReport, original: Any, compressed: Any, X: Any,
                       y: Any, progress: Progress) -> None:
    """Fidelity (and scores, given ``y``) on ``X``; the same numbers as on the pipelines."""
    with progress.step(f"outputs of the original on {_n_samples(X)} samples"):
        original_final, original_input = final_step_and_input(original, X)
        reference = Reference.of(original_final, original_input)
    with progress.step(f"outputs of the compressed model on {_n_samples(X)} samples"):
        compressed_final, compressed_input = final_step_and_input(compressed, X)
        report.fidelity = measure_fidelity(original_final, compressed_final, compressed_input,
                                           reference)
    report.n_samples = report.fidelity.n_samples
    report.agreement = report.fidelity.agreement
    if y is not None:
        with progress.step("scores"):
            report.score_original = float(original_final.score(original_input, y))
            report.score_compressed = float(compressed_final.score(compressed_input, y))


def _n_samples(X: Any) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)
