"""save() and load(): a safe, memory-mappable file for compressed models.

The file is a safetensors container (format version 3). Its metadata holds
the format name and version, the library version and the object tree as
JSON; its last array is a 128-bit MurmurHash3 digest of every byte before it
(header, tree and arrays), optionally followed by an HMAC-SHA256 signature
of the same bytes. The digest catches accidents (a changed byte, a
truncation), not an attacker, who can recompute it: that is what the
signature and the content checks are for.

Each node of the tree names a class from a fixed allow-list, the
``FILE_CODECS`` tables the estimator modules declare; loading looks names up
in that table and never imports or calls anything else named in the file.
A codec says which attributes hold arrays, numbers, strings and other
objects (one object, or a list, dict or tuple of them: see
:class:`~sklearn_compress._tables.Nested`); the walker below follows those
declarations and has no special case for any class. Parameters are plain
JSON values checked by the estimator's own parameter validation; fitted
arrays and numbers are checked against the codec's specs (dtype, shape,
range) and then against each other. ``save()`` runs the very same checks on
what it is about to write.

A list declared ``stacked`` (the members of an ensemble) may be written as one
description per group of look-alike members, each array concatenated over the
group (see "stacked lists" below); it is read back member by member with the
same checks, each member's arrays being views of the concatenated ones.
"""

import functools
import hmac
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeGuard

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._sklearn_compat import make_constraint, validate_parameter_constraints
from .._tables import Array, Codec, Nested
from .._version import __version__
from ..compose import _ensembles
from ..crf import _compressed as _crf
from ..feature_extraction import _dict_vectorizer, _text, _tfidf
from ..linear_model import _quantized
from ..mph import _query, hash_buffer
from ..utils import all_finite
from . import _limits, _safetensors, _sklearn
from ._safetensors import (
    JSON,
    Container,
    Trailer,
    parse_json,
    read_container,
    write_safetensors,
)

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "FormatError", "load", "save"]

FORMAT_NAME = "sklearn-compress"
FORMAT_VERSION = 3
# Objects inside objects (a pipeline in a pipeline counts two); JSON values
# (parameters) nested deeper than _MAX_VALUE_DEPTH are refused too.
_MAX_DEPTH = 8
_MAX_VALUE_DEPTH = 8
# Class labels and step names: long enough for any real label, short enough
# that predict's output stays proportional to its input (a numpy string array
# takes 4 bytes per character of the longest label, for every row).
MAX_LABEL_LENGTH = 512
_DIGEST = "__digest__"
_SIGNATURE = "__signature__"
_DIGEST_BYTES = 16
_SIGNATURE_BYTES = 32
_METADATA_FIELDS = {"format", "format_version", "library_version", "structure"}
_DTYPE_PARAMS: dict[str, type[np.generic]] = {
    "float64": np.float64, "float32": np.float32, "float16": np.float16, "int64": np.int64,
    "int32": np.int32, "int16": np.int16, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_}
# A parameter value as a file holds it (see _param_to_json).
ParamValue: TypeAlias = (bool | int | float | str | list["ParamValue"] | tuple["ParamValue", ...]
                         | dict[str, "ParamValue"] | type[np.generic] | None)
# A fitted array as load() sets it: 0-d arrays become Python numbers.
ArrayOrNumber: TypeAlias = NDArray[Any] | int | float | bool | None
# The modules whose FILE_CODECS tables form the allow-list; a new estimator
# module is added here and nowhere else.
_CONTRIBUTORS = (_dict_vectorizer, _text, _tfidf, _quantized, _query, _ensembles, _sklearn,
                 _crf)
_CODECS: dict[str, Codec] = {codec.cls.__name__: codec
                             for module in _CONTRIBUTORS for codec in module.FILE_CODECS}
_CLASS_LABELS = Array(("int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8",
                       "float64", "float32", "bool"), (1,))
# What a file's content may break in the checks themselves; turned into
# FormatError so that load() raises nothing but ValueError for a bad file.
_CONTENT_ERRORS = (TypeError, IndexError, KeyError, AttributeError, OverflowError,
                   RecursionError, MemoryError, ZeroDivisionError, LookupError)


class FormatError(ValueError):
    """A model file that is not what it must be."""


def _codec_of(obj: Any, where: str) -> Codec:
    codec = _CODECS.get(type(obj).__name__)
    if codec is None or codec.cls is not type(obj):
        supported = ", ".join(sorted(_CODECS))
        raise ValueError(f"{where}: {type(obj).__name__} cannot be saved in the safe format "
                         f"(supported: {supported}); use joblib for other models")
    return codec


def _is_fitted(obj: Any) -> bool:
    # scikit-learn's convention (check_is_fitted): public attributes ending in "_".
    return any(name.endswith("_") and not name.startswith("__") for name in vars(obj))


def _stores_fitted_state(codec: Codec) -> bool:
    # (Objects built from their state, such as the hash, are complete by construction.)
    return codec.from_state is None and bool(codec.arrays or codec.numbers or codec.strings
                                             or codec.children)


def _check_template_use(codec: Codec, template: bool, where: str) -> None:
    name = codec.cls.__name__
    if codec.template and not template:
        raise FormatError(f"{where}: {name} is stored only as the unfitted template of a "
                          "compressed model")
    if template and not codec.template:
        raise FormatError(f"{where}: {name} cannot be a template here")


# -- writing ------------------------------------------------------------------------


def _param_to_json(value: object, where: str, depth: int = 0) -> JSON:
    if depth > _MAX_VALUE_DEPTH:
        raise ValueError(f"{where} is nested too deeply for the safe format")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}, which the safe format cannot hold")
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return _param_to_json(value.item(), where, depth)
    if isinstance(value, tuple):
        return {"tuple": [_param_to_json(v, where, depth + 1) for v in value]}
    if isinstance(value, list):
        return [_param_to_json(v, where, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: _param_to_json(v, where, depth + 1) for k, v in value.items()}}
    if isinstance(value, type) and np.dtype(value).name in _DTYPE_PARAMS:
        return {"dtype": np.dtype(value).name}
    if isinstance(value, np.dtype) and value.name in _DTYPE_PARAMS:
        return {"dtype": value.name}
    kind = "a callable" if callable(value) else f"a {type(value).__name__}"
    raise ValueError(f"{where} is {kind}, which the safe format cannot hold (it stores no "
                     "code); save this model with joblib instead")


class _Writer:
    def __init__(self) -> None:
        self.tensors: dict[str, NDArray[Any]] = {}
        # What a stacked list around this writer's objects rewrites: each
        # {"tensor": name} reference made here, in order, and each fitted
        # number as (its dict, its name, its path).
        self.refs: list[dict[str, JSON]] = []
        self.numbers: list[tuple[dict[str, JSON], str, str]] = []

    def array(self, value: ArrayLike, path: str) -> dict[str, JSON]:
        self._add_tensor(path, np.asarray(value))
        ref: dict[str, JSON] = {"tensor": path}
        self.refs.append(ref)
        return ref

    def _add_tensor(self, path: str, array: NDArray[Any]) -> None:
        if path in self.tensors:
            raise ValueError(f"{path}: two arrays under one name")
        self.tensors[path] = array

    def nested(self, value: Any, spec: Nested, path: str, depth: int) -> JSON:
        """Encode ``value`` as its :class:`Nested` spec says."""
        form = spec.form
        if form == "object":
            if (value is None or isinstance(value, str)) and value in spec.placeholders:
                return {"value": value}
            return self.node(value, path, depth + 1, template=spec.template)
        if form == "list" and isinstance(value, list):
            if spec.stacked:
                return self._stacked_list(value, spec.items[0], path, depth)
            return [self.nested(v, spec.items[0], _item_path(path, i, v), depth)
                    for i, v in enumerate(value)]
        if form == "dict" and isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {k: self.nested(v, spec.items[0], f"{path}[{k!r}]", depth)
                    for k, v in value.items()}
        if form == "tuple" and isinstance(value, tuple) and len(value) == len(spec.items):
            return [self.nested(v, s, path if i else f"{path}.name", depth)
                    for i, (v, s) in enumerate(zip(value, spec.items, strict=True))]
        if form == "name" and isinstance(value, str):
            return value
        if form == "value":
            return _param_to_json(value, path)
        raise ValueError(f"{path}: expected a {_describe(spec)}, got {type(value).__name__}")

    def node(self, obj: Any, path: str, depth: int = 0,
             template: bool = False) -> dict[str, JSON]:
        if depth > _MAX_DEPTH:
            raise ValueError(f"{path}: objects nested more than {_MAX_DEPTH} deep cannot be "
                             "saved in the safe format; use joblib")
        codec = _codec_of(obj, path)
        if codec.template and not template and _is_fitted(obj):
            raise ValueError(
                f"{path}: a fitted {codec.cls.__name__} is not a compressed model: compress() "
                "it first (sklearn_compress.compress), or save it with joblib")
        _check_template_use(codec, template, path)
        if not codec.template and _stores_fitted_state(codec) and not _is_fitted(obj):
            raise ValueError(f"{path}: this {codec.cls.__name__} is not fitted: fit it (or "
                             "compress() a fitted model) before saving")
        node: dict[str, JSON] = {"class": codec.cls.__name__}
        if codec.from_state is None:
            self._params(obj, codec, node, path, depth)
        node["fitted"] = self._fitted(obj, codec, path, depth)
        return node

    def _params(self, obj: Any, codec: Codec, node: dict[str, JSON], path: str,
                depth: int) -> None:
        params = obj.get_params(deep=False)
        if _is_fitted(obj):
            params.update(codec.fitted_params)
        node["params"] = {name: _param_to_json(value, f"parameter {name!r} of {path}")
                          for name, value in params.items() if name not in codec.param_children}
        node["nested"] = {name: self.nested(params[name], spec, f"{path}.{name}", depth)
                          for name, spec in codec.param_children.items()}

    def _fitted(self, obj: Any, codec: Codec, path: str, depth: int) -> dict[str, JSON]:
        fitted: dict[str, JSON] = {}
        # What pickling would store (e.g. a compact index), not the expanded attributes.
        state = obj.__getstate__()
        for name in codec.arrays:
            value = state.get(name)
            fitted[name] = None if value is None else self.array(value, f"{path}.{name}")
        for name in (*codec.numbers, *codec.strings):
            value = state.get(name)
            fitted[name] = value.item() if isinstance(value, np.generic) else value
        self.numbers.extend((fitted, name, f"{path}.{name}") for name in codec.numbers)
        for name, spec in codec.child_specs().items():
            fitted[name] = self.nested(getattr(obj, name), spec, f"{path}.{name}", depth)
        if codec.has_classes and hasattr(obj, "classes_"):
            fitted["classes_"] = self._classes(obj.classes_, f"{path}.classes_")
        return fitted

    def _classes(self, classes: NDArray[Any], path: str) -> JSON:
        if classes.dtype.kind in "OU" and all(isinstance(c, str) for c in classes):
            return {"strings": [str(c) for c in classes], "object": classes.dtype.kind == "O"}
        if classes.dtype.kind in "biuf":
            return self.array(classes, path)
        raise ValueError(f"{path}: classes of dtype {classes.dtype} cannot be saved in the "
                         "safe format; use joblib")

    def _stacked_list(self, items: list[Any], spec: Nested, path: str,
                      depth: int) -> JSON:
        """A list of objects, look-alike members written once (see :class:`_StackPlan`)."""
        members = []
        for index, item in enumerate(items):
            writer = _Writer()
            member_path = _item_path(path, index, item)
            members.append(_Member(member_path, writer.nested(item, spec, member_path, depth),
                                   writer))
        plans = _stack_plans(members)
        if len(plans) == len(members):
            # Nothing shared (one member, or all unlike): the plain list is smaller.
            return [self._adopt(member) for member in members]
        groups = [self._stack_group(plan, f"{path}[*{number}]" if len(plans) > 1
                                    else f"{path}[*]")
                  for number, plan in enumerate(plans)]
        group_of = None
        if len(plans) > 1:
            numbers = np.empty(len(members), dtype=np.min_scalar_type(len(plans) - 1))
            for number, plan in enumerate(plans):
                numbers[plan.indices] = number
            group_of = self.array(numbers, f"{path}#groups")
        return {"stacked": {"count": len(members), "groups": groups, "group_of": group_of}}

    def _adopt(self, member: "_Member") -> JSON:
        """A member written as a plain list item: its arrays and numbers become this writer's."""
        for name, array in member.writer.tensors.items():
            self._add_tensor(name, array)
        self.refs.extend(member.writer.refs)
        self.numbers.extend(member.writer.numbers)
        return member.node

    def _stack_group(self, plan: "_StackPlan", prefix: str) -> JSON:
        columns: list[JSON] = []
        for column in plan.columns:
            data = self.array(column.data, prefix + column.suffix)
            rows: JSON
            if isinstance(column.rows, np.ndarray):
                # (Suffixes start with "." or "[": no other name can be this one.)
                rows = self.array(column.rows, f"{prefix}#lengths{column.suffix}")
            else:
                rows = column.rows
            columns.append({"data": data, "rows": rows})
        return {"count": len(plan.indices), "skeleton": plan.skeleton(), "columns": columns}


# -- stacked lists: look-alike objects written once -----------------------------------
#
# A list whose spec is stacked may be written as
#     {"stacked": {"count": n, "groups": [group, ...], "group_of": ref or null}}
#     group = {"count": k, "skeleton": node, "columns": [{"data": ref, "rows": rows}, ...]}
# The members of a group share one node, the skeleton, whose array references
# name the group's columns "0", "1", ... (numbers the members disagree on are
# columns too). Column c holds array c of every member of the group: rows is
# the number of rows of each member's array (concatenated along the first
# axis), a reference to an array of per-member row counts, "scalar" (one 0-d
# value per member) or "shared" (one array every member reads). group_of gives
# each member's group (null for one group); a group's members come in list
# order. Each member is read like a plain list item, its arrays being views of
# the columns.

# A group of more members than its own (not shared) array bytes / 8 is refused:
# every member brings data (a quantized member at least its intercept and scale,
# 16 bytes; a sigmoid calibrator its a_ and b_), so that the objects a file
# makes stay proportional to its size. The writer writes such a group (members
# identical but for shared arrays) as single members instead.
_MIN_MEMBER_BYTES = 8
_NUMBER_DTYPES: dict[type, type[np.generic]] = {bool: np.bool_, int: np.int64, float: np.float64}
_COLUMN_NUMBER_DTYPES = frozenset(map(np.dtype, _NUMBER_DTYPES.values()))
_GROUP_NUMBER_DTYPES = frozenset(map(np.dtype, ("uint8", "uint16", "uint32")))


@dataclass
class _Member:
    """One item of a stacked list, encoded on its own by its own writer."""

    path: str
    node: JSON
    writer: _Writer


@dataclass
class _Column:
    """One array of a group: the members' arrays as one, and their rows (see above)."""

    suffix: str
    data: NDArray[Any]
    rows: int | str | NDArray[Any]

    def own_bytes(self) -> int:
        if isinstance(self.rows, str) and self.rows == "shared":
            return 0
        return self.data.nbytes + (self.rows.nbytes if isinstance(self.rows, np.ndarray) else 0)


@dataclass
class _StackPlan:
    """How one group of look-alike members is written.

    The first member's node becomes the skeleton: its references name the
    columns, and each number in ``number_columns`` (its slot -> the column)
    becomes a reference to a column of one value per member.
    """

    members: list[_Member]
    indices: list[int]
    columns: list[_Column]
    number_columns: dict[int, int]

    def own_bytes(self) -> int:
        return sum(column.own_bytes() for column in self.columns)

    def skeleton(self) -> JSON:
        first = self.members[0].writer
        for column, ref in enumerate(first.refs):
            ref["tensor"] = str(column)
        for slot, column in self.number_columns.items():
            fitted, name, _ = first.numbers[slot]
            fitted[name] = {"tensor": str(column)}
        return self.members[0].node


def _stack_plans(members: list[_Member]) -> list[_StackPlan]:
    """Members grouped by skeleton, in the order of their first member."""
    groups: dict[Any, list[int]] = {}
    for index, member in enumerate(members):
        groups.setdefault(_signature(member), []).append(index)
    plans: list[_StackPlan] = []
    for indices in groups.values():
        plan = _plan(members, indices)
        if len(indices) > 1 and plan.own_bytes() < _MIN_MEMBER_BYTES * len(indices):
            plans.extend(_plan(members, [index]) for index in indices)
        else:
            plans.append(plan)
    return sorted(plans, key=lambda plan: plan.indices[0])


def _signature(member: _Member) -> Any:
    """What members must share to be one group: the node but for array names and numbers."""
    writer = member.writer
    names = [str(ref["tensor"]) for ref in writer.refs]
    values = [fitted[name] for fitted, name, _ in writer.numbers]
    for column, ref in enumerate(writer.refs):
        ref["tensor"] = str(column)
    for slot, (fitted, name, _) in enumerate(writer.numbers):
        fitted[name] = {"slot": slot}
    try:
        text = json.dumps(member.node, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)
    finally:
        for ref, tensor in zip(writer.refs, names, strict=True):
            ref["tensor"] = tensor
        for (fitted, name, _), value in zip(writer.numbers, values, strict=True):
            fitted[name] = value
    arrays = tuple((array.dtype.str, array.shape[1:] if array.ndim else None)
                   for array in (writer.tensors[name] for name in names))
    return text, arrays, tuple(map(_number_kind, values))


def _number_kind(value: JSON) -> Any:
    """Numbers of one kind may become one column; other values must be equal."""
    if type(value) in (bool, float) or (type(value) is int and -2**63 <= value < 2**63):
        return type(value).__name__
    return "literal", repr(value)


def _plan(members: list[_Member], indices: list[int]) -> _StackPlan:
    group = [members[index] for index in indices]
    first = group[0]
    columns = []
    for column, ref in enumerate(first.writer.refs):
        arrays = [member.writer.tensors[str(member.writer.refs[column]["tensor"])]
                  for member in group]
        columns.append(_Column(_suffix(ref["tensor"], first.path, column), *_column_data(arrays)))
    number_columns = {}
    for slot, (_, _, path) in enumerate(first.writer.numbers):
        values = [fitted[name] for fitted, name, _ in (member.writer.numbers[slot]
                                                        for member in group)]
        if any(repr(value) != repr(values[0]) for value in values):
            number_columns[slot] = len(columns)
            data = np.array(values, dtype=_NUMBER_DTYPES[type(values[0])])
            columns.append(_Column(_suffix(path, first.path, len(columns)), data, "scalar"))
    return _StackPlan(group, indices, columns, number_columns)


def _suffix(name: JSON, member_path: str, column: int) -> str:
    """The column's name after the list's: ``.codes_`` for ``model.estimators_[0].codes_``."""
    if isinstance(name, str) and name.startswith(member_path):
        return name[len(member_path):]
    return f".{column}"


def _column_data(arrays: list[NDArray[Any]]) -> tuple[NDArray[Any], int | str | NDArray[Any]]:
    first = arrays[0]
    if len(arrays) > 1 and all(array.shape == first.shape and np.array_equal(array, first)
                               for array in arrays[1:]):
        return first, "shared"
    if first.ndim == 0:
        return np.stack(arrays), "scalar"
    lengths = [len(array) for array in arrays]
    data = np.concatenate(arrays)
    if lengths.count(lengths[0]) == len(lengths):
        return data, lengths[0]
    return data, np.array(lengths, dtype=np.min_scalar_type(max(lengths)))


def _item_path(path: str, index: int, item: object) -> str:
    """``model.name`` for a named item (a pipeline step), else ``model.steps[i]``."""
    if isinstance(item, (tuple, list)) and item and isinstance(item[0], str):
        return f"{path.rpartition('.')[0] or path}.{item[0]:.40}"
    return f"{path}[{index}]"


def _describe(spec: Nested) -> str:
    if spec.form in ("list", "dict"):
        return f"{spec.form} of {_describe(spec.items[0])}s"
    if spec.form == "tuple":
        return f"tuple of {len(spec.items)}"
    return {"object": "object", "name": "string", "value": "value"}[spec.form]


def digest(data: bytes | memoryview) -> bytes:
    """The file digest of ``data``: MurmurHash3 x64 128, 16 bytes.

    Not SHA-256: the digest only has to catch accidents, and it is the one
    pass over every byte that load() cannot skip (0.05 ms for 400 kB
    against SHA-256's 0.26 ms, warm, on the benchmark machine).
    """
    return hash_buffer(data)


def _trailers(key: bytes | None) -> list[Trailer]:
    trailers = [Trailer(_DIGEST, _DIGEST_BYTES, digest)]
    if key is not None:
        checked = _checked_key(key)
        trailers.append(Trailer(_SIGNATURE, _SIGNATURE_BYTES,
                                lambda data: hmac.digest(checked, data, "sha256")))
    return trailers


def _checked_key(key: object) -> bytes:
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"key must be bytes, got {type(key).__name__}")
    if not key:
        raise ValueError("key must not be empty")
    return bytes(key)


def save(model: Any, path: str | os.PathLike[str], *, key: bytes | None = None) -> None:
    """Save a compressed model to ``path`` in the safe, memory-mappable format.

    Everything about to be written is first checked with the checks
    :func:`load` runs, so a file that :func:`load` would refuse is never
    written.

    Parameters
    ----------
    model : CompressedVectorizer, QuantizedLinearModel, MinimalPerfectHash or Pipeline
        A compressed object, such as the pipelines :func:`compress` returns.
    path : str or path-like
        The file to write. It is replaced atomically: if saving fails, an
        existing file is left as it was. Its mode follows the umask.
    key : bytes, default=None
        If given, the file is also signed with HMAC-SHA256 under this key, and
        ``load(path, key=key)`` refuses any file not signed with it.

    Raises
    ------
    ValueError
        If the model holds something the format cannot store (another class,
        a fitted scikit-learn model that is not compressed, a custom callable
        such as a tokenizer: use joblib for those), or fails the checks of
        :func:`load`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.feature_extraction import DictVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_compress import compress, load, save
    >>> X = [{"play": 1, "jazz": 1}, {"stop": 1}, {"play": 1}, {"stop": 1, "now": 1}]
    >>> pipe = make_pipeline(DictVectorizer(), LogisticRegression()).fit(X, ["p", "s", "p", "s"])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.skc"
    >>> save(compress(pipe), path)
    >>> load(path).predict([{"play": 1}]).tolist()
    ['p']
    """
    trailers = _trailers(key)
    writer = _Writer()
    tree = writer.node(model, "model")
    structure = json.dumps(tree, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # The same checks as load(), on exactly what load() will read.
    _read_tree(writer.tensors, parse_json(structure), "model")
    metadata = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "library_version": __version__,
        "structure": structure,
    }
    write_safetensors(path, writer.tensors, metadata, trailers)


# -- reading ------------------------------------------------------------------------


def _param_from_json(value: JSON, where: str, depth: int = 0) -> ParamValue:
    if depth > _MAX_VALUE_DEPTH:
        raise FormatError(f"{where}: parameter value nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_param_from_json(v, where, depth + 1) for v in value]
    if isinstance(value, dict) and len(value) == 1:
        (kind, inner), = value.items()
        if kind == "tuple" and isinstance(inner, list):
            return tuple(_param_from_json(v, where, depth + 1) for v in inner)
        if kind == "dict" and isinstance(inner, dict):
            return {k: _param_from_json(v, where, depth + 1) for k, v in inner.items()}
        if kind == "dtype" and isinstance(inner, str) and inner in _DTYPE_PARAMS:
            return _DTYPE_PARAMS[inner]
    raise FormatError(f"{where}: unreadable parameter value {value!r:.80}")


def _check_label(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise FormatError(f"{where}: expected a string, got {type(value).__name__}")
    if len(value) > MAX_LABEL_LENGTH:
        raise FormatError(f"{where}: a string of {len(value)} characters is longer than the "
                          f"{MAX_LABEL_LENGTH} allowed")
    return value


def _are_strings(values: list[JSON]) -> TypeGuard[list[str]]:
    # (One pass in C: a generator over 151 labels costs 8 us.)
    return set(map(type, values)) <= _STR_TYPE


_STR_TYPE = frozenset({str})


@dataclass
class _Budget:
    """Header bytes the stacked lists of a file may still stand for, member by member.

    A stacked list describes ``count`` objects with one skeleton: it is
    charged ``count`` times the skeleton's JSON length, so that the objects
    a file makes stay within what a header of ``MAX_HEADER_BYTES`` could list.
    """

    left: int = _safetensors.MAX_HEADER_BYTES


class _Reader:
    def __init__(self, tensors: Mapping[str, NDArray[Any]],
                 budget: _Budget | None = None) -> None:
        self.tensors = tensors
        self.used: set[str] = set()
        self.budget = _Budget() if budget is None else budget

    def tensor(self, ref: JSON, where: str) -> NDArray[Any]:
        """The array ``ref`` names, which no other reference may name."""
        if not (isinstance(ref, dict) and set(ref) == {"tensor"} and isinstance(ref["tensor"], str)
                and ref["tensor"] in self.tensors):
            raise FormatError(f"{where}: reference to an unknown array")
        if ref["tensor"] in self.used:
            raise FormatError(f"{where}: array {ref['tensor']!r:.80} is used twice")
        self.used.add(ref["tensor"])
        return self.tensors[ref["tensor"]]

    def array(self, ref: JSON, spec: Array, where: str) -> ArrayOrNumber:
        if ref is None:
            if spec.optional:
                return None
            raise FormatError(f"{where}: missing array")
        array = self.tensor(ref, where)
        if array.dtype not in spec.dtype_set or array.ndim not in spec.ndim or (
                spec.inner_shape and array.shape[1:] != spec.inner_shape):
            raise FormatError(f"{where}: expected a {'/'.join(map(str, spec.ndim))}-D array of "
                              f"{'/'.join(spec.dtypes)}, got {array.ndim}-D {array.dtype} of "
                              f"shape {array.shape}")
        if array.dtype.kind == "f" and not all_finite(array):
            raise FormatError(f"{where}: NaN or infinite values")
        return array.item() if array.ndim == 0 else array

    def nested(self, value: JSON, spec: Nested, where: str, depth: int) -> Any:
        """Decode ``value`` as its :class:`Nested` spec says, refusing any other shape."""
        form = spec.form
        if form == "object":
            if isinstance(value, dict) and set(value) == {"value"}:
                if not ((value["value"] is None or isinstance(value["value"], str))
                        and value["value"] in spec.placeholders):
                    raise FormatError(f"{where}: unknown value {value['value']!r:.40}")
                return value["value"]
            return self.node(value, where, depth + 1, template=spec.template)
        if form == "list" and spec.stacked and isinstance(value, dict) and set(value) == {
                "stacked"}:
            return self._stacked_list(value["stacked"], spec.items[0], where, depth)
        if form == "list" and isinstance(value, list):
            return [self.nested(v, spec.items[0], _item_path(where, i, v), depth)
                    for i, v in enumerate(value)]
        if form == "dict" and isinstance(value, dict):
            return {_check_label(k, where): self.nested(v, spec.items[0], f"{where}[{k!r:.40}]",
                                                        depth)
                    for k, v in value.items()}
        if form == "tuple" and isinstance(value, list) and len(value) == len(spec.items):
            return tuple(self.nested(v, s, where if i else f"{where}.name", depth)
                         for i, (v, s) in enumerate(zip(value, spec.items, strict=True)))
        if form == "name":
            return _check_label(value, where)
        if form == "value":
            return _param_from_json(value, where)
        raise FormatError(f"{where}: expected a {_describe(spec)}")

    def node(self, node: JSON, where: str, depth: int = 0, template: bool = False) -> Any:
        if depth > _MAX_DEPTH:
            raise FormatError(f"{where}: objects nested too deeply")
        class_name = node.get("class") if isinstance(node, dict) else None
        if not isinstance(node, dict) or not isinstance(class_name, str):
            raise FormatError(f"{where}: malformed object description")
        codec = _CODECS.get(class_name)
        if codec is None:
            raise FormatError(f"{where}: class {class_name!r:.60} is not in the allow-list "
                              f"({', '.join(sorted(_CODECS))})")
        _check_template_use(codec, template, where)
        keys = {"class", "fitted"} if codec.from_state else {"class", "params", "nested", "fitted"}
        if set(node) != keys:
            raise FormatError(f"{where}: malformed {codec.cls.__name__} description")
        fitted = node["fitted"]
        expected = {*codec.arrays, *codec.numbers, *codec.strings, *codec.child_specs()}
        if not isinstance(fitted, dict) or not set(fitted) <= expected | (
                {"classes_"} if codec.has_classes else set()):
            raise FormatError(f"{where}: unexpected fitted attributes")
        if codec.from_state is not None:
            return self._from_state(codec, codec.from_state, fitted, where)
        obj = self._construct(codec, node, where, depth)
        self._fitted(obj, codec, fitted, where, depth)
        return obj

    def _from_state(self, codec: Codec, build: Callable[[dict[str, Any]], Any],
                    fitted: dict[str, JSON], where: str) -> Any:
        state = self._arrays_and_numbers(codec, fitted, where)
        try:
            return build(state)
        except ValueError as exc:
            raise FormatError(f"{where}: {exc}") from None

    def _construct(self, codec: Codec, node: dict[str, JSON], where: str, depth: int) -> Any:
        encoded, nested = node["params"], node["nested"]
        if not (isinstance(encoded, dict) and isinstance(nested, dict)
                and set(nested) == set(codec.param_children)):
            raise FormatError(f"{where}: malformed parameters")
        params: dict[str, Any] = {k: _param_from_json(v, f"{where}.{k}")
                                  for k, v in encoded.items()}
        for name, spec in codec.param_children.items():
            params[name] = self.nested(nested[name], spec, f"{where}.{name}", depth)
        try:
            _limits.check_params(params)
            obj = codec.cls(**params)
            # What BaseEstimator._validate_params does, for the parameters that
            # differ from the defaults (which are valid by construction): at
            # load time most are defaults, and validating one costs ~10 us.
            defaults = _defaults(codec.cls)
            changed = {name: value for name, value in params.items()
                       if not _same_value(value, defaults.get(name, _NO_DEFAULT))}
            _validate_params(codec.cls, changed)
        except (TypeError, ValueError) as exc:
            raise FormatError(f"{where}: invalid parameters for {codec.cls.__name__}: "
                              f"{exc}") from None
        return obj

    def _arrays_and_numbers(self, codec: Codec, fitted: dict[str, JSON],
                            where: str) -> dict[str, ArrayOrNumber]:
        values: dict[str, ArrayOrNumber] = {}
        for name, spec in codec.arrays.items():
            values[name] = self.array(fitted.get(name), spec, f"{where}.{name}")
        for name, (kind, low, high, optional) in codec.numbers.items():
            value = fitted.get(name)
            if isinstance(value, dict):  # a stacked list's column of numbers
                value = self._number_of_column(value, f"{where}.{name}")
            values[name] = _number(value, kind, low, high, optional, f"{where}.{name}")
        return values

    def _number_of_column(self, ref: JSON, where: str) -> JSON:
        array = self.tensor(ref, where)
        if array.ndim or array.dtype not in _COLUMN_NUMBER_DTYPES:
            raise FormatError(f"{where}: expected one bool, int64 or float64 value, got "
                              f"{array.ndim}-D {array.dtype}")
        value: bool | int | float = array.item()
        return value

    # -- stacked lists (see "stacked lists" above)

    def _stacked_list(self, stack: JSON, spec: Nested, where: str, depth: int) -> list[Any]:
        groups, group_of = _stack_groups(stack, where)
        for group in groups:
            # Charged before anything proportional to the counts is made.
            self.budget.left -= group.count * len(json.dumps(
                group.skeleton, ensure_ascii=False, separators=(",", ":")))
            if self.budget.left < 0:
                raise FormatError(f"{where}: the stacked lists stand for more objects than a "
                                  f"{_safetensors.MAX_HEADER_BYTES}-byte header could hold")
        columns = [self._group_columns(group, f"{where} (group {number})")
                   for number, group in enumerate(groups)]
        members = []
        for index, (number, position) in enumerate(self._group_order(group_of, groups, where)):
            member_where = f"{where}[{index}]"
            reader = _Reader({str(c): member_array(position)
                              for c, member_array in enumerate(columns[number])}, self.budget)
            members.append(reader.node(groups[number].skeleton, member_where, depth + 1,
                                       template=spec.template))
            unused = set(reader.tensors) - reader.used
            if unused:
                raise FormatError(f"{member_where}: columns not referenced by the skeleton: "
                                  f"{sorted(unused)[:3]}")
        return members

    def _group_columns(self, group: "_Group",
                       where: str) -> list[Callable[[int], NDArray[Any]]]:
        """For each column, a function giving member ``position``'s array (a view)."""
        columns: list[Callable[[int], NDArray[Any]]] = []
        own_bytes = 0
        for number, column in enumerate(group.columns):
            column_where = f"{where}, column {number}"
            if not (isinstance(column, dict) and set(column) == {"data", "rows"}):
                raise FormatError(f"{column_where}: malformed column")
            data = self.tensor(column["data"], column_where)
            rows = column["rows"]
            if rows == "shared":
                columns.append(functools.partial(_shared, data))
                continue
            own_bytes += data.nbytes
            if rows == "scalar":
                columns.append(_scalar_rows(data, group.count, column_where))
            elif type(rows) is int:
                columns.append(_fixed_rows(data, rows, group.count, column_where))
            elif isinstance(rows, dict):
                lengths = self.tensor(rows, f"{column_where} row counts")
                own_bytes += lengths.nbytes
                columns.append(_counted_rows(data, lengths, group.count, column_where))
            else:
                raise FormatError(f"{column_where}: rows {rows!r:.40} is not a count, a "
                                  "reference to counts, 'scalar' or 'shared'")
        if group.count > max(1, own_bytes // _MIN_MEMBER_BYTES):
            raise FormatError(f"{where}: {group.count} members for {own_bytes} bytes of "
                              f"arrays (at least {_MIN_MEMBER_BYTES} bytes per member)")
        return columns

    def _group_order(self, ref: JSON, groups: list["_Group"],
                     where: str) -> Iterator[tuple[int, int]]:
        """Each member's (group, position in its group), in list order."""
        if len(groups) == 1:
            if ref is not None:
                raise FormatError(f"{where}: group numbers for a single group")
            return ((0, position) for position in range(groups[0].count))
        counts = [group.count for group in groups]
        numbers = self.tensor(ref, f"{where} group numbers")
        if numbers.dtype not in _GROUP_NUMBER_DTYPES or numbers.shape != (
                sum(counts),):
            raise FormatError(f"{where}: expected {sum(counts)} group numbers of uint8/16/32, "
                              f"got {numbers.ndim}-D {numbers.dtype} of shape {numbers.shape}")
        if numbers.max() >= len(groups) or np.bincount(
                numbers, minlength=len(groups)).tolist() != counts:
            raise FormatError(f"{where}: the group numbers disagree with the group counts")
        positions = [0] * len(groups)
        order = []
        for number in numbers.tolist():
            order.append((number, positions[number]))
            positions[number] += 1
        return iter(order)

    def _fitted(self, obj: Any, codec: Codec, fitted: dict[str, JSON], where: str,
                depth: int) -> None:
        for name, value in self._arrays_and_numbers(codec, fitted, where).items():
            if value is not None:
                setattr(obj, name, value)
        for name, allowed in codec.strings.items():
            if fitted.get(name) not in allowed:
                raise FormatError(f"{where}.{name}: {fitted.get(name)!r:.40} is not one of "
                                  f"{allowed}")
            setattr(obj, name, fitted[name])
        for name, spec in codec.child_specs().items():
            setattr(obj, name, self.nested(fitted.get(name), spec, f"{where}.{name}", depth))
        if "classes_" in fitted:
            obj.classes_ = self._classes(fitted["classes_"], f"{where}.classes_")
        if codec.restore is not None:
            codec.restore(obj)
        try:
            if codec.check is not None:
                codec.check(obj)
            _limits.check_consistency(obj)
        except ValueError as exc:
            raise FormatError(f"{where}: {exc}") from None

    def _classes(self, ref: JSON, where: str) -> ArrayOrNumber:
        if isinstance(ref, dict) and set(ref) == {"strings", "object"}:
            strings = ref["strings"]
            if not (isinstance(strings, list) and isinstance(ref["object"], bool)
                    and _are_strings(strings)):
                raise FormatError(f"{where}: malformed class labels")
            longest = max(map(len, strings), default=0)
            if longest > MAX_LABEL_LENGTH:
                _check_label(max(strings, key=len), where)
            if ref["object"] or not strings:
                return np.array(strings, dtype=object if ref["object"] else None)
            # The width given: numpy need not find the longest label again (-30%).
            return np.array(strings, dtype=f"<U{max(longest, 1)}")
        return self.array(ref, _CLASS_LABELS, where)


@dataclass
class _Group:
    """A group of a stacked list, as the file describes it (checked by ``_Reader``)."""

    count: int
    skeleton: dict[str, JSON]
    columns: list[JSON]


def _stack_groups(stack: JSON, where: str) -> tuple[list[_Group], JSON]:
    """The groups of a stacked list (counts checked) and its reference to group numbers."""
    if not (isinstance(stack, dict) and set(stack) == {"count", "groups", "group_of"}):
        raise FormatError(f"{where}: malformed stacked list")
    count, groups = stack["count"], stack["groups"]
    if not (type(count) is int and isinstance(groups, list) and 1 <= len(groups) <= count):
        raise FormatError(f"{where}: malformed stacked list")
    parsed = []
    for group in groups:
        if not (isinstance(group, dict) and set(group) == {"count", "skeleton", "columns"}
                and type(group["count"]) is int and group["count"] >= 1
                and isinstance(group["skeleton"], dict) and isinstance(group["columns"], list)):
            raise FormatError(f"{where}: malformed group of a stacked list")
        parsed.append(_Group(group["count"], group["skeleton"], group["columns"]))
    if sum(group.count for group in parsed) != count:
        raise FormatError(f"{where}: the groups hold {sum(g.count for g in parsed)} members, "
                          f"the list {count}")
    return parsed, stack["group_of"]


def _shared(data: NDArray[Any], position: int) -> NDArray[Any]:
    return data


def _scalar_rows(data: NDArray[Any], count: int,
                 where: str) -> Callable[[int], NDArray[Any]]:
    if data.shape != (count,):
        raise FormatError(f"{where}: expected {count} values, got shape {data.shape}")
    return lambda position: data[position:position + 1].reshape(())


def _fixed_rows(data: NDArray[Any], rows: int, count: int,
                where: str) -> Callable[[int], NDArray[Any]]:
    if rows < 0 or data.ndim < 1 or data.shape[0] != count * rows:
        raise FormatError(f"{where}: {count} members of {rows} rows do not fill shape "
                          f"{data.shape}")
    return lambda position: data[position * rows:(position + 1) * rows]


def _counted_rows(data: NDArray[Any], lengths: NDArray[Any], count: int,
                  where: str) -> Callable[[int], NDArray[Any]]:
    if lengths.dtype.kind != "u" or lengths.shape != (count,) or data.ndim < 1:
        raise FormatError(f"{where}: expected {count} unsigned row counts for an array of at "
                          f"least 1 dimension, got {lengths.ndim}-D {lengths.dtype} of shape "
                          f"{lengths.shape}")
    # (An unsigned sum that wraps around comes out smaller than the one before.)
    ends = np.cumsum(lengths, dtype=np.uint64)
    if np.any(ends[1:] < ends[:-1]) or int(ends[-1]) != data.shape[0]:
        raise FormatError(f"{where}: the row counts do not add up to the {data.shape[0]} rows")
    starts = [0, *ends.tolist()]
    return lambda position: data[starts[position]:starts[position + 1]]


_NO_DEFAULT = object()


def _constraint_objects(cls: type[Any]) -> dict[str, list[Any]]:
    # (FeatureUnion declares no constraints: its codec checks its parameters.)
    return {name: [make_constraint(constraint) for constraint in constraints]
            for name, constraints in getattr(cls, "_parameter_constraints", {}).items()
            if not isinstance(constraints, str)}  # "no_validation"


# Each allow-listed class's _parameter_constraints as constraint objects, made
# once: scikit-learn's validate_parameter_constraints makes them on every
# call, 34 us of a fresh process's load of a pipeline.
_CONSTRAINTS = {cls: _constraint_objects(cls) for cls in {c.cls for c in _CODECS.values()}}


def _validate_params(cls: type[Any], params: Mapping[str, Any]) -> None:
    """scikit-learn's validate_parameter_constraints, with the objects made in advance.

    The same checks in the same order; a value that satisfies none of its
    constraints gets scikit-learn's own error.
    """
    constraints = _CONSTRAINTS.get(cls)
    if constraints is None:  # a class allow-listed after import
        constraints = _CONSTRAINTS[cls] = _constraint_objects(cls)
    for name, value in params.items():
        allowed = constraints.get(name)
        if allowed is not None and not any(c.is_satisfied_by(value) for c in allowed):
            validate_parameter_constraints(cls._parameter_constraints, {name: value},
                                           caller_name=cls.__name__)
            raise ValueError(f"parameter {name}={value!r:.80} is not valid for "
                             f"{cls.__name__}")  # (scikit-learn raised above)


@functools.cache
def _defaults(cls: type[Any]) -> dict[str, Any]:
    # From the function object, not inspect.signature: ~100x cheaper, and a
    # fresh process pays it once per class on its first load.
    init: Callable[..., None] = cls.__init__
    code = getattr(init, "__code__", None)
    if code is None:
        return {}
    positional = code.co_varnames[:code.co_argcount]
    defaults = init.__defaults__ or ()
    return {**dict(zip(positional[len(positional) - len(defaults):], defaults, strict=True)),
            **(init.__kwdefaults__ or {})}


def _same_value(value: Any, default: Any) -> bool:
    # Same type too: True == 1 == 1.0 must not pass for one another.
    if type(value) is not type(default):
        return False
    if isinstance(value, (tuple, list)):
        return len(value) == len(default) and all(map(_same_value, value, default))
    return isinstance(value, (bool, int, float, str, type(None), type)) and value == default


def _is_number(value: JSON, kind: type) -> TypeGuard[int | float]:
    return (type(value) is bool) if kind is bool else (
        type(value) in (int, float) if kind is float else type(value) is int)


def _number(value: JSON, kind: type, low: float, high: float, optional: bool,
            where: str) -> int | float | bool | None:
    if value is None and optional:
        return None
    if not _is_number(value, kind) or (kind is float and not math.isfinite(value)) or not (
            low <= value <= high):
        raise FormatError(f"{where}: {value!r:.40} is not a {kind.__name__} in [{low}, {high}]")
    return value


def _read_tree(tensors: Mapping[str, NDArray[Any]], tree: JSON, where: str) -> Any:
    """The object ``tree`` describes, every check run; the arrays it used."""
    reader = _Reader(tensors)
    try:
        model = reader.node(tree, where)
    except _CONTENT_ERRORS as exc:
        raise FormatError(f"{where}: inconsistent content ({type(exc).__name__}: "
                          f"{exc!s:.200})") from None
    unused = set(tensors) - reader.used
    if unused:
        raise FormatError(f"{where}: arrays not referenced by the model: {sorted(unused)[:3]}")
    return model


def _check_header(path: str, metadata: Mapping[str, str]) -> None:
    if metadata.get("format") != FORMAT_NAME:
        raise FormatError(f"{path}: not a {FORMAT_NAME} model file")
    version = metadata.get("format_version", "")
    written_by = f"{metadata.get('library_version', '?')!s:.20}"
    if not (version.isascii() and version.isdigit() and len(version) < 6):
        raise FormatError(f"{path}: malformed format version {version!r:.20}")
    if int(version) > FORMAT_VERSION:
        raise FormatError(
            f"{path}: format version {version} was written by sklearn-compress {written_by}; "
            f"this is {__version__}, which reads version {FORMAT_VERSION}: upgrade "
            "sklearn-compress to read it")
    if int(version) < FORMAT_VERSION:
        raise FormatError(
            f"{path}: format version {version} (written by sklearn-compress {written_by}) is no "
            f"longer read: this version reads version {FORMAT_VERSION}. Compress the original "
            "model again and save() it with this version")
    if set(metadata) != _METADATA_FIELDS:
        raise FormatError(f"{path}: unexpected metadata fields")


def _check_integrity(path: str, container: Container, key: bytes | None) -> None:
    """The digest (and, with a key, the signature) of every byte before them."""
    spans = container.spans
    trailers = [name for name in (_DIGEST, _SIGNATURE) if name in spans]
    if _DIGEST not in spans:
        raise FormatError(f"{path}: no digest (corrupted file)")
    start = min(spans[name][0] for name in trailers)
    sizes = {_DIGEST: _DIGEST_BYTES, _SIGNATURE: _SIGNATURE_BYTES}
    if any(end > start for name, (_, end) in spans.items() if name not in trailers) or any(
            container.arrays[name].dtype != np.uint8
            or container.arrays[name].shape != (sizes[name],) for name in trailers):
        raise FormatError(f"{path}: malformed digest (corrupted file)")
    with memoryview(container.buffer) as view:
        message = view[:start]
        expected = digest(message)
        # (None exactly when no key is given)
        signature = None if key is None else hmac.digest(_checked_key(key), message, "sha256")
        message.release()
    if not hmac.compare_digest(expected, container.arrays[_DIGEST].tobytes()):
        raise FormatError(f"{path}: digest mismatch (corrupted file)")
    if signature is None:
        return
    if _SIGNATURE not in spans:
        raise FormatError(f"{path}: the file is not signed, and a key was given")
    if not hmac.compare_digest(signature, container.arrays[_SIGNATURE].tobytes()):
        raise FormatError(f"{path}: the signature does not match the key (a file not written "
                          "with this key, or altered)")


def load(path: str | os.PathLike[str], *, mmap: bool = True, key: bytes | None = None) -> Any:
    """Load a model saved by :func:`save`, checking everything in the file.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    mmap : bool, default=True
        Map the arrays read-only instead of reading them: processes loading
        the same file share one copy. A mapped file must only be replaced by
        an atomic rename (as :func:`save` and the command line do): a file
        truncated or rewritten in place while mapped can crash the process
        (SIGBUS) or change under it. Use ``mmap=False`` where files may be
        rewritten in place.
    key : bytes, default=None
        If given, the file must carry an HMAC-SHA256 signature under this key
        (see :func:`save`).

    Returns
    -------
    model
        The saved object, ready to predict.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        If ``path`` does not exist or is a directory.
    ValueError
        For anything else: a special file (FIFO, device), a joblib/pickle or
        other non-model file, a truncated or corrupted file (every byte is
        covered by a digest), a file of another format version, a wrong or
        missing signature when ``key`` is given, or a file describing anything
        outside the allow-list, out of bounds or inconsistent.
    """
    # A str, not a Path: pathlib costs 30 us of a 1 ms load in a fresh process.
    path = os.fspath(path)
    try:
        container = read_container(path, use_mmap=mmap)
    except ValueError:
        _explain_other_formats(path)
        raise
    _check_header(path, container.metadata)
    _check_integrity(path, container, key)
    tensors = {name: array for name, array in container.arrays.items()
               if name not in (_DIGEST, _SIGNATURE)}
    try:
        tree = parse_json(container.metadata["structure"])
    except ValueError:
        raise FormatError(f"{path}: the object tree is not JSON") from None
    return _read_tree(tensors, tree, "model")


# Leading bytes of files people mistake for model files.
_PICKLE_MAGICS = (b"\x80", b"\x1f\x8b", b"\xfd7zXZ", b"BZh", b"\x04\x22\x4d\x18",
                  b"\x28\xb5\x2f\xfd", b"ZF")


def describe_file(path: str | os.PathLike[str]) -> str | None:
    """What a file that is not a model file is: a short phrase, or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return None
    if head.startswith(_PICKLE_MAGICS):
        return "is a joblib/pickle file: load it with joblib (only if you trust it)"
    return None


def _explain_other_formats(path: str) -> None:
    try:
        description = describe_file(path) if os.path.isfile(path) else None
    except OSError:
        description = None
    if description is not None:
        raise FormatError(f"{path}: {description}") from None
