"""save() and load(): a safe, memory-mappable file for compressed models.

The file is a safetensors container. Its metadata holds the format name and
version, the library version, the object tree as JSON and a SHA-256 checksum
of every array. Each node of the tree names a class from a fixed allow-list
(see :func:`_codec`); loading looks names up in that table and never imports
or calls anything else named in the file. Parameters are plain JSON values
checked by the estimator's own parameter validation; fitted arrays and
numbers are checked against a per-class spec (dtype, shape, range) and then
against each other.
"""

import hashlib
import json
import math
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from .._sklearn_compat import validate_parameter_constraints
from .._tables import Array
from .._version import __version__
from ..crf import _compressed as _crf
from ..feature_extraction import _dict_vectorizer, _text, _tfidf
from ..linear_model import _quantized
from ..mph import MinimalPerfectHash
from . import _sklearn
from ._safetensors import read_safetensors, write_safetensors

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "FormatError", "load", "save"]

FORMAT_NAME = "sklearn-compress"
FORMAT_VERSION = 1
_MAX_DEPTH = 8
_DTYPE_PARAMS = {"float64": np.float64, "float32": np.float32, "float16": np.float16,
                 "int64": np.int64, "int32": np.int32, "int16": np.int16, "int8": np.int8,
                 "uint8": np.uint8, "bool": np.bool_}
# The modules whose FILE_CODECS tables form the allow-list; a new estimator
# module is added here and nowhere else.
_CONTRIBUTORS = (_dict_vectorizer, _text, _tfidf, _quantized, _sklearn, _crf)
_CODECS = {codec.cls.__name__: codec
           for module in _CONTRIBUTORS for codec in module.FILE_CODECS}
_TEMPLATE_CLASSES = frozenset(codec.cls for codec in _CODECS.values() if codec.template)
_CLASS_LABELS = Array(("int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8",
                       "float64", "float32", "bool"), (1,))


class FormatError(ValueError):
    """A model file that is not what it must be."""


# -- codecs ---------------------------------------------------------------------


def _codec_of(obj, where):
    codec = _CODECS.get(type(obj).__name__)
    if codec is None or codec.cls is not type(obj):
        supported = ", ".join(sorted(_CODECS))
        raise ValueError(f"{where}: {type(obj).__name__} cannot be saved in the safe format "
                         f"(supported: {supported}); use joblib for other models")
    return codec


# -- writing ----------------------------------------------------------------------


def _param_to_json(value, where):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, tuple):
        return {"tuple": [_param_to_json(v, where) for v in value]}
    if isinstance(value, list):
        return [_param_to_json(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: _param_to_json(v, where) for k, v in value.items()}}
    if isinstance(value, type) and np.dtype(value).name in _DTYPE_PARAMS:
        return {"dtype": np.dtype(value).name}
    if isinstance(value, np.dtype) and value.name in _DTYPE_PARAMS:
        return {"dtype": value.name}
    kind = "a callable" if callable(value) else f"a {type(value).__name__}"
    raise ValueError(f"{where} is {kind}, which the safe format cannot hold (it stores no "
                     "code); save this model with joblib instead")


class _Writer:
    def __init__(self):
        self.tensors = {}

    def array(self, value, path):
        self.tensors[path] = np.asarray(value)
        return {"tensor": path}

    def node(self, obj, path, depth=0):
        if isinstance(obj, str) or obj is None:  # "passthrough" steps
            return {"value": obj}
        if isinstance(obj, MinimalPerfectHash):
            return self._mph(obj, path)
        codec = _codec_of(obj, path)
        node = {"class": codec.cls.__name__, "params": {}, "fitted": {}}
        for name, value in obj.get_params(deep=False).items():
            if isinstance(value, (BaseEstimator, MinimalPerfectHash)) or (
                    name == "steps" and isinstance(obj, Pipeline)):
                continue
            node["params"][name] = _param_to_json(value, f"parameter {name!r} of {path}")
        if isinstance(obj, Pipeline):
            node["steps"] = [[name, self.node(step, f"{path}.{name}", depth + 1)]
                             for name, step in obj.steps]
        # A wrapped estimator (QuantizedLinearModel's template) is a node of its own.
        if isinstance(obj.get_params(deep=False).get("estimator"), BaseEstimator):
            node["params_children"] = {"estimator": self.node(obj.estimator,
                                                              f"{path}.estimator", depth + 1)}
        self._fitted(obj, codec, node, path, depth)
        return node

    def _fitted(self, obj, codec, node, path, depth):
        fitted = node["fitted"]
        # What pickling would store (e.g. a compact index), not the expanded attributes.
        state = obj.__getstate__()
        for name in codec.arrays:
            value = state.get(name)
            fitted[name] = None if value is None else self.array(value, f"{path}.{name}")
        for name in (*codec.numbers, *codec.strings):
            value = state.get(name)
            fitted[name] = value.item() if isinstance(value, np.generic) else value
        for name in codec.children:
            fitted[name] = self.node(getattr(obj, name), f"{path}.{name}", depth + 1)
        if codec.has_classes and hasattr(obj, "classes_"):
            fitted["classes_"] = self._classes(obj.classes_, f"{path}.classes_")

    def _classes(self, classes, path):
        if classes.dtype.kind in "OU" and all(isinstance(c, str) for c in classes):
            return {"strings": [str(c) for c in classes], "object": classes.dtype.kind == "O"}
        if classes.dtype.kind in "biuf":
            return self.array(classes, path)
        raise ValueError(f"{path}: classes of dtype {classes.dtype} cannot be saved in the "
                         "safe format; use joblib")

    def _mph(self, mph, path):
        state = mph.__getstate__()
        node = {"class": "MinimalPerfectHash"}
        for name, value in state.items():
            node[name] = self.array(value, f"{path}.{name}") if isinstance(
                value, np.ndarray) else value
        return node


def _digest(array):
    # SHA-256 runs at memory speed on CPUs with SHA extensions, unlike BLAKE2.
    raw = np.require(array, requirements="C").reshape(-1).view(np.uint8)
    return hashlib.sha256(raw).hexdigest()


def save(model, path):
    """Save a compressed model to ``path`` in the safe, memory-mappable format.

    Parameters
    ----------
    model : CompressedVectorizer, QuantizedLinearModel, MinimalPerfectHash or Pipeline
        A compressed object, such as the pipelines :func:`compress` returns.
    path : str or path-like
        The file to write. It is replaced atomically: if saving fails, an
        existing file is left as it was.

    Raises
    ------
    ValueError
        If the model holds something the format cannot store (another class,
        a custom callable such as a tokenizer): use joblib for those.

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
    writer = _Writer()
    tree = writer.node(model, "model")
    metadata = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "library_version": __version__,
        "structure": json.dumps(tree, allow_nan=True),
        "checksums": json.dumps({name: _digest(a) for name, a in writer.tensors.items()}),
    }
    write_safetensors(path, writer.tensors, metadata)


# -- reading ----------------------------------------------------------------------


def _param_from_json(value, where):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_param_from_json(v, where) for v in value]
    if isinstance(value, dict) and len(value) == 1:
        (kind, inner), = value.items()
        if kind == "tuple" and isinstance(inner, list):
            return tuple(_param_from_json(v, where) for v in inner)
        if kind == "dict" and isinstance(inner, dict):
            return {k: _param_from_json(v, where) for k, v in inner.items()}
        if kind == "dtype" and inner in _DTYPE_PARAMS:
            return _DTYPE_PARAMS[inner]
    raise FormatError(f"{where}: unreadable parameter value {value!r:.80}")


class _Reader:
    def __init__(self, tensors):
        self.tensors = tensors
        self.used = set()

    def array(self, ref, spec, where):
        if ref is None:
            if spec.optional:
                return None
            raise FormatError(f"{where}: missing array")
        if not (isinstance(ref, dict) and set(ref) == {"tensor"} and ref["tensor"] in self.tensors):
            raise FormatError(f"{where}: reference to an unknown array")
        if ref["tensor"] in self.used:
            raise FormatError(f"{where}: array {ref['tensor']!r} is used twice")
        self.used.add(ref["tensor"])
        array = self.tensors[ref["tensor"]]
        if array.dtype.name not in spec.dtypes or array.ndim not in spec.ndim:
            raise FormatError(f"{where}: expected a {'/'.join(map(str, spec.ndim))}-D array of "
                              f"{'/'.join(spec.dtypes)}, got {array.ndim}-D {array.dtype}")
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise FormatError(f"{where}: NaN or infinite values")
        return array.item() if array.ndim == 0 else array

    def node(self, node, where, depth=0, template=False):
        if depth > _MAX_DEPTH:
            raise FormatError(f"{where}: objects nested too deeply")
        if not isinstance(node, dict):
            raise FormatError(f"{where}: malformed object description")
        if "value" in node:
            if node["value"] not in ("passthrough", None) or len(node) != 1:
                raise FormatError(f"{where}: unknown value {node['value']!r:.40}")
            return node["value"]
        name = node.get("class")
        if name == "MinimalPerfectHash":
            return self._mph(node, where)
        codec = _CODECS.get(name) if isinstance(name, str) else None
        if codec is None:
            raise FormatError(f"{where}: class {name!r:.60} is not in the allow-list "
                              f"({', '.join(sorted(_CODECS))})")
        return self._estimator(codec, node, where, depth, template)

    def _estimator(self, codec, node, where, depth, template=False):
        params = node.get("params")
        if not isinstance(params, dict):
            raise FormatError(f"{where}: malformed parameters")
        params = {k: _param_from_json(v, f"{where}.{k}") for k, v in params.items()}
        if codec.cls is Pipeline:
            params["steps"] = self._steps(node.get("steps"), where, depth)
        children = node.get("params_children", {})
        if not isinstance(children, dict) or set(children) - {"estimator"}:
            raise FormatError(f"{where}: malformed nested estimators")
        for name, child in children.items():
            params[name] = self.node(child, f"{where}.{name}", depth + 1, template=True)
            _check_unfitted_linear_model(params[name], f"{where}.{name}")
        try:
            obj = codec.cls(**params)
            if not template:  # a template's parameters are checked when it is fit
                # What BaseEstimator._validate_params does, without its slow
                # signature inspection: the parameters are at hand.
                validate_parameter_constraints(codec.cls._parameter_constraints, params,
                                               caller_name=codec.cls.__name__)
        except (TypeError, ValueError) as exc:
            raise FormatError(f"{where}: invalid parameters for {codec.cls.__name__}: "
                              f"{exc}") from None
        self._fitted(obj, codec, node.get("fitted"), where, depth)
        return obj

    def _steps(self, steps, where, depth):
        if not (isinstance(steps, list) and steps and all(
                isinstance(s, list) and len(s) == 2 and isinstance(s[0], str) for s in steps)):
            raise FormatError(f"{where}: malformed pipeline steps")
        return [(name, self.node(step, f"{where}.{name}", depth + 1)) for name, step in steps]

    def _fitted(self, obj, codec, fitted, where, depth):
        expected = {*codec.arrays, *codec.numbers, *codec.strings, *codec.children}
        if codec.has_classes:
            expected.add("classes_")
        if not isinstance(fitted, dict) or not set(fitted) <= expected:
            raise FormatError(f"{where}: unexpected fitted attributes")
        for name, spec in codec.arrays.items():
            value = self.array(fitted.get(name), spec, f"{where}.{name}")
            if value is not None:
                setattr(obj, name, value)
        for name, (kind, low, high, optional) in codec.numbers.items():
            self._number(obj, name, fitted.get(name), kind, low, high, optional, where)
        for name, allowed in codec.strings.items():
            if fitted.get(name) not in allowed:
                raise FormatError(f"{where}.{name}: {fitted.get(name)!r:.40} is not one of "
                                  f"{allowed}")
            setattr(obj, name, fitted[name])
        for name in codec.children:
            setattr(obj, name, self.node(fitted.get(name), f"{where}.{name}", depth + 1))
        if "classes_" in fitted:
            obj.classes_ = self._classes(fitted["classes_"], f"{where}.classes_")
        if codec.restore is not None:
            codec.restore(obj)
        if codec.check is not None:
            try:
                codec.check(obj)
            except ValueError as exc:
                raise FormatError(f"{where}: {exc}") from None

    @staticmethod
    def _number(obj, name, value, kind, low, high, optional, where):
        if value is None and optional:
            return
        valid_type = (type(value) is bool) if kind is bool else (
            type(value) in (int, float) if kind is float else type(value) is int)
        if not valid_type or (kind is float and not math.isfinite(value)) or not (
                low <= value <= high):
            raise FormatError(f"{where}.{name}: {value!r:.40} is not a {kind.__name__} in "
                              f"[{low}, {high}]")
        setattr(obj, name, value)

    def _classes(self, ref, where):
        if isinstance(ref, dict) and set(ref) == {"strings", "object"}:
            strings = ref["strings"]
            if not (isinstance(strings, list) and all(isinstance(s, str) for s in strings)):
                raise FormatError(f"{where}: malformed class labels")
            return np.array(strings, dtype=object if ref["object"] else None)
        return self.array(ref, _CLASS_LABELS, where)

    def _mph(self, node, where):
        spec = Array(("uint64",), (1,))
        expected = {"class", *MinimalPerfectHash.STATE_ARRAYS, *MinimalPerfectHash.STATE_NUMBERS}
        if set(node) != expected:
            raise FormatError(f"{where}: malformed minimal perfect hash")
        arrays = {name: self.array(node[name], spec, f"{where}.{name}")
                  for name in ("level_bits", "words", "fingerprints")}
        arrays["fallback"] = self.array(node["fallback"], Array(("uint64",), (2,)),
                                        f"{where}.fallback")
        numbers = {name: node[name] for name in ("n_keys", "gamma", "fingerprint_bits", "seed")}
        if not all(type(numbers[n]) is int for n in ("n_keys", "fingerprint_bits", "seed")) or \
                type(numbers["gamma"]) not in (int, float) or numbers["n_keys"] < 0 or \
                numbers["fingerprint_bits"] < 0 or numbers["seed"] < 0 or \
                arrays["fallback"].shape[1:] != (2,):
            raise FormatError(f"{where}: malformed minimal perfect hash")
        try:
            return MinimalPerfectHash.from_state({**arrays, **numbers})
        except ValueError as exc:
            raise FormatError(f"{where}: {exc}") from None


def _check_unfitted_linear_model(estimator, where):
    if type(estimator) not in _TEMPLATE_CLASSES:
        raise FormatError(f"{where}: {type(estimator).__name__} is not a supported linear model")


def _check_header(path, metadata):
    if metadata.get("format") != FORMAT_NAME:
        raise FormatError(f"{path}: not a {FORMAT_NAME} model file")
    version = metadata.get("format_version", "")
    if not version.isdigit():
        raise FormatError(f"{path}: malformed format version {version!r:.20}")
    if int(version) > FORMAT_VERSION:
        raise FormatError(
            f"{path}: format version {version} was written by sklearn-compress "
            f"{metadata.get('library_version', '?')!s:.20}; this is {__version__}, which reads "
            f"versions up to {FORMAT_VERSION}: upgrade sklearn-compress to read it")


def _json_field(path, metadata, name):
    try:
        return json.loads(metadata.get(name, ""))
    except json.JSONDecodeError:
        raise FormatError(f"{path}: metadata field {name!r} is not JSON") from None


def _check_checksums(path, arrays, metadata):
    checksums = _json_field(path, metadata, "checksums")
    if not isinstance(checksums, dict) or set(checksums) != set(arrays):
        raise FormatError(f"{path}: the checksums do not list exactly the stored arrays")
    for name, array in arrays.items():
        if _digest(array) != checksums[name]:
            raise FormatError(f"{path}: checksum mismatch for array {name!r} (corrupted file)")


def load(path, *, mmap=True):
    """Load a model saved by :func:`save`, checking everything in the file.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    mmap : bool, default=True
        Map the arrays read-only instead of reading them: loading costs about
        the header, and processes loading the same file share one copy.

    Returns
    -------
    model
        The saved object, ready to predict.

    Raises
    ------
    ValueError
        If the file is truncated, corrupted, of a newer format version, or
        describes anything outside the allow-list or inconsistent.
    """
    path = Path(path)
    arrays, metadata = read_safetensors(path, use_mmap=mmap)
    _check_header(path, metadata)
    _check_checksums(path, arrays, metadata)
    reader = _Reader(arrays)
    model = reader.node(_json_field(path, metadata, "structure"), "model")
    unused = set(arrays) - reader.used
    if unused:
        raise FormatError(f"{path}: arrays not referenced by the model: {sorted(unused)[:3]}")
    return model
