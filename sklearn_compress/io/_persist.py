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
"""

import functools
import hmac
import json
import math
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias, TypeGuard

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._sklearn_compat import validate_parameter_constraints
from .._tables import Array, Codec, Nested
from .._version import __version__
from ..compose import _ensembles
from ..crf import _compressed as _crf
from ..feature_extraction import _dict_vectorizer, _text, _tfidf
from ..linear_model import _quantized
from ..mph import _query, hash_buffer
from . import _limits, _sklearn
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

    def array(self, value: ArrayLike, path: str) -> dict[str, JSON]:
        self.tensors[path] = np.asarray(value)
        return {"tensor": path}

    def nested(self, value: Any, spec: Nested, path: str, depth: int) -> JSON:
        """Encode ``value`` as its :class:`Nested` spec says."""
        form = spec.form
        if form == "object":
            if (value is None or isinstance(value, str)) and value in spec.placeholders:
                return {"value": value}
            return self.node(value, path, depth + 1, template=spec.template)
        if form == "list" and isinstance(value, list):
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
    return all(type(value) is str for value in values)


class _Reader:
    def __init__(self, tensors: Mapping[str, NDArray[Any]]) -> None:
        self.tensors = tensors
        self.used: set[str] = set()

    def array(self, ref: JSON, spec: Array, where: str) -> ArrayOrNumber:
        if ref is None:
            if spec.optional:
                return None
            raise FormatError(f"{where}: missing array")
        if not (isinstance(ref, dict) and set(ref) == {"tensor"} and isinstance(ref["tensor"], str)
                and ref["tensor"] in self.tensors):
            raise FormatError(f"{where}: reference to an unknown array")
        if ref["tensor"] in self.used:
            raise FormatError(f"{where}: array {ref['tensor']!r:.80} is used twice")
        self.used.add(ref["tensor"])
        array = self.tensors[ref["tensor"]]
        if array.dtype not in _dtypes(spec.dtypes) or array.ndim not in spec.ndim or (
                spec.inner_shape and array.shape[1:] != spec.inner_shape):
            raise FormatError(f"{where}: expected a {'/'.join(map(str, spec.ndim))}-D array of "
                              f"{'/'.join(spec.dtypes)}, got {array.ndim}-D {array.dtype} of "
                              f"shape {array.shape}")
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
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
            # (FeatureUnion declares no constraints: its codec checks its parameters.)
            validate_parameter_constraints(getattr(codec.cls, "_parameter_constraints", {}),
                                           changed,
                                           caller_name=codec.cls.__name__)
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
            values[name] = _number(fitted.get(name), kind, low, high, optional,
                                   f"{where}.{name}")
        return values

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


_NO_DEFAULT = object()


@functools.cache
def _dtypes(names: tuple[str, ...]) -> frozenset[np.dtype[Any]]:
    # Compared as dtype objects: dtype.name is computed in Python (5 us a call).
    return frozenset(np.dtype(name) for name in names)


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
