"""Hostile files: structurally valid, digests recomputed, contents chosen to hurt.

Each crafted file is loaded (and, if it loads, used to predict) in a child
process with an address-space limit and a time limit, in batches. The suite
passes when every file is refused with ValueError (FileNotFoundError and
IsADirectoryError for a missing path and a directory), nothing crashes or
hangs, and the peak memory growth of each load stays within 4x the file's
size + 32 MiB (measured in the child, after its imports).
"""

import copy
import hashlib
import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, Normalizer

from sklearn_compress import MinimalPerfectHash, compress, save
from sklearn_compress.io import _persist
from sklearn_compress.io._safetensors import read_safetensors, write_safetensors
from tests._synthetic import feature_dicts

X, Y = feature_dicts(300, seed=0)
TEXTS = [f"play {w} by the {b} please" for w in ("jazz", "rock", "songs") for b in ("a", "b")] + [
    f"set an alarm for {h} am" for h in range(1, 7)]
TEXT_LABELS = ["play"] * 6 + ["alarm"] * 6
LIMIT_SECONDS = 20  # per case, in the child (a hang is a failure)


def _base_models():
    dict_model = compress(make_pipeline(DictVectorizer(), MaxAbsScaler(), Normalizer(),
                                        LogisticRegression()).fit(X, Y), per_class=True)
    text_model = compress(make_pipeline(TfidfVectorizer(ngram_range=(1, 2)),
                                        LogisticRegression()).fit(TEXTS, TEXT_LABELS))
    # One-vs-rest members as a stacked list: one group of feature lists ("ovr"),
    # or a dense member and 3 feature lists in two groups ("mixed").
    ovr_model, mixed_model = (compress(make_pipeline(
        DictVectorizer(), OneVsRestClassifier(LogisticRegression())).fit(X, Y), sparsity=sparsity)
        for sparsity in (0.5, 0.3))
    return {"dict": dict_model, "text": text_model, "ovr": ovr_model, "mixed": mixed_model}


# -- editing a saved file's tree and arrays, then sealing it again -------------------


def _parts(path):
    tensors, metadata = read_safetensors(path, use_mmap=False)
    tensors = {k: np.array(v) for k, v in tensors.items() if not k.startswith("__")}
    return json.loads(metadata["structure"]), tensors, metadata


def _write_sealed(path, tree, tensors, metadata):
    """``tree`` may be the structure's JSON text already."""
    metadata = {**metadata, "structure": tree if isinstance(tree, str) else json.dumps(tree)}
    write_safetensors(path, tensors, metadata, _persist._trailers(None))


def _reseal(data):
    """A raw byte edit with the trailing digest recomputed, as an attacker would."""
    return data[:-16] + _persist.digest(data[:-16])


def _step(tree, index):
    return tree["nested"]["steps"][index][1]


def _fitted(tree, index):
    return _step(tree, index)["fitted"]


def _mph(tree):
    return _fitted(tree, 0)["mph_"]["fitted"]


def _tensor(tensors, suffix):
    return next(name for name in tensors if name.endswith(suffix))


def _set_tensor(suffix, value):
    def edit(tree, tensors):
        name = _tensor(tensors, suffix)
        tensors[name] = np.asarray(value(tensors[name]) if callable(value) else value)
    return edit


def _set(where, name, value):
    def edit(tree, tensors):
        where(tree)[name] = copy.deepcopy(value)
    return edit


def _params(index):
    return lambda tree: _step(tree, index)["params"]


def _nest_pipelines(depth):
    # As text: json.dumps itself would recurse too deeply.
    def edit(tree, tensors):
        opening = '{"class": "Pipeline", "params": {}, "nested": {"steps": [["p", '
        return opening * depth + json.dumps(tree) + ']]}, "fitted": {}}' * depth
    return edit


def _stack(tree):
    return _fitted(tree, 1)["estimators_"]["stacked"]


def _group(tree, number=0):
    return _stack(tree)["groups"][number]


def _column(tree, suffix, number=0):
    return next(column for column in _group(tree, number)["columns"]
                if column["data"]["tensor"].endswith(suffix))


def _skeleton(number=0):
    return lambda tree: _group(tree, number)["skeleton"]["fitted"]


def _set_counts(count):
    def edit(tree, tensors):
        _stack(tree)["count"] = _group(tree)["count"] = count
    return edit


def _lengths(change):
    def edit(tree, tensors):
        name = _column(tree, "codes_")["rows"]["tensor"]
        tensors[name] = np.asarray(change(tensors[name]))
    return edit


def _wrapping_lengths(lengths):
    # Two counts whose uint64 sum wraps around to the right total.
    return np.array([2**64 - 1, int(lengths[0]) + int(lengths[1]) + 1,
                     *lengths[2:].tolist()], dtype=np.uint64)


def _empty_members(count):
    """``count`` members whose arrays hold no rows at all."""
    def edit(tree, tensors):
        _set_counts(count)(tree, tensors)
        for column in _group(tree)["columns"]:
            if isinstance(column["rows"], dict):
                del tensors[column["rows"]["tensor"]]
            column["rows"] = 0
            tensors[column["data"]["tensor"]] = tensors[column["data"]["tensor"]][:0]
    return edit


def _extra_column(rows, value, reference=None):
    """A column the skeleton does not reference (or does, at ``reference``)."""
    def edit(tree, tensors):
        columns = _group(tree)["columns"]
        columns.append({"data": {"tensor": "extra"}, "rows": rows})
        tensors["extra"] = np.asarray(value)
        if reference is not None:
            _skeleton()(tree)[reference] = {"tensor": str(len(columns) - 1)}
    return edit


def _group_numbers_for_one_group(tree, tensors):
    _stack(tree)["group_of"] = {"tensor": "extra"}
    tensors["extra"] = np.zeros(_stack(tree)["count"], dtype=np.uint8)


def _set_group_of(value):
    def edit(tree, tensors):
        name = _stack(tree)["group_of"]["tensor"]
        tensors[name] = np.asarray(value(tensors[name]) if callable(value) else value)
    return edit


def _deep_list(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


# (category, base model, edit of (tree, tensors)); every one must be refused.
TREE_CASES = {
    "allow-list: os.system": ("dict", lambda t, a: _step(t, 0).update({"class": "os.system"})),
    "allow-list: FunctionTransformer": ("dict", lambda t, a: t.update(
        {"class": "FunctionTransformer"})),
    "allow-list: class not a string": ("dict", lambda t, a: _step(t, 1).update({"class": 7})),
    "allow-list: template at the top": ("dict", lambda t, a: t.clear() or t.update(
        {"class": "LogisticRegression", "params": {}, "nested": {}, "fitted": {}})),
    "allow-list: template as a step": ("dict", lambda t, a: t["nested"]["steps"].__setitem__(
        2, ["lr", _step(t, 3)["nested"]["estimator"]])),
    "allow-list: extra node key": ("dict", lambda t, a: _step(t, 1).update({"code": "x"})),
    "params: catastrophic token_pattern": ("text", _set(_params(0), "token_pattern",
                                                        r"(\w+\s?)*$")),
    "params: invalid token_pattern": ("text", _set(_params(0), "token_pattern", "(")),
    "params: ngram_range 10**9": ("text", _set(_params(0), "ngram_range",
                                               {"tuple": [1, 10**9]})),
    "params: ngram_range floats": ("text", _set(_params(0), "ngram_range",
                                                {"tuple": [1.5, 2]})),
    "params: ngram_range reversed": ("text", _set(_params(0), "ngram_range", {"tuple": [3, 1]})),
    "params: char analyzer, 50-grams": ("text", lambda t, a: _params(0)(t).update(
        {"analyzer": "char", "ngram_range": {"tuple": [1, 50]}})),
    "params: analyzer callable name": ("text", _set(_params(0), "analyzer", "builtins.eval")),
    "params: dtype U1000000000": ("text", _set(_params(0), "dtype", "U1000000000")),
    "params: dict dtype U1000000000": ("dict", _set(_params(0), "dtype", "U1000000000")),
    "params: dtype object": ("dict", _set(_params(0), "dtype", {"dtype": "object"})),
    "params: dtype list": ("dict", _set(_params(0), "dtype", [1])),
    "params: encoding rot13": ("text", _set(_params(0), "encoding", "rot13")),
    "params: encoding unknown": ("text", _set(_params(0), "encoding", "no-such-codec")),
    "params: decode_error": ("text", _set(_params(0), "decode_error", "explode")),
    "params: stop words 200k": ("text", _set(_params(0), "stop_words", ["w"] * 200_000)),
    "params: long stop word": ("text", _set(_params(0), "stop_words", ["w" * 100_000])),
    "params: long separator": ("dict", _set(_params(0), "separator", "=" * 100_000)),
    "params: random_state disagrees with the hash": ("dict", _set(_params(0), "random_state",
                                                                  12345)),
    "params: text random_state disagrees": ("text", _set(_params(0), "random_state", 7)),
    "params: random_state negative": ("dict", _set(_params(0), "random_state", -1)),
    "params: bits 99": ("dict", _set(_params(3), "bits", 99)),
    "params: bits string": ("dict", _set(_params(3), "bits", "8")),
    "params: unknown name": ("dict", _set(_params(3), "evil", 1)),
    "params: eval object": ("dict", _set(_params(3), "bits", {"eval": "1"})),
    "params: deep value": ("dict", _set(_params(1), "copy", _deep_list(50))),
    "params: norm l3": ("text", _set(_params(0), "norm", "l3")),
    "params: lowercase string": ("text", _set(_params(0), "lowercase", "yes")),
    "fitted: n_features_in_ negative": ("dict", _set(lambda t: _fitted(t, 3),
                                                     "n_features_in_", -1)),
    "fitted: n_features_in_ huge": ("dict", _set(lambda t: _fitted(t, 3), "n_features_in_",
                                                 2**70)),
    "fitted: n_features_in_ float": ("dict", _set(lambda t: _fitted(t, 3), "n_features_in_",
                                                  1.5)),
    "fitted: n_outputs_ 0": ("dict", _set(lambda t: _fitted(t, 3), "n_outputs_", 0)),
    "fitted: n_outputs_ 70000": ("dict", _set(lambda t: _fitted(t, 3), "n_outputs_", 70000)),
    "fitted: n_outputs_ off by one": ("dict", _set(lambda t: _fitted(t, 3), "n_outputs_", 3)),
    "fitted: binary _ravel_output false": ("text", _set(lambda t: _fitted(t, 1),
                                                        "_ravel_output", False)),
    "fitted: layout exec": ("dict", _set(lambda t: _fitted(t, 3), "layout_", "exec")),
    "fitted: link exec": ("dict", _set(lambda t: _fitted(t, 3), "link_", "exec")),
    "fitted: link identity on a classifier": ("text", _set(lambda t: _fitted(t, 1), "link_",
                                                           "identity")),
    "fitted: 3M-character label": ("text", lambda t, a: _fitted(t, 1)["classes_"]["strings"]
                                   .__setitem__(0, "x" * 3_000_000)),
    "fitted: label count": ("dict", lambda t, a: _fitted(t, 3)["classes_"]["strings"].pop()),
    "fitted: label not a string": ("dict", lambda t, a: _fitted(t, 3)["classes_"]["strings"]
                                   .__setitem__(0, 5)),
    "fitted: labels object flag": ("dict", lambda t, a: _fitted(t, 3)["classes_"].update(
        {"object": "yes"})),
    "fitted: n_features_out_ disagrees": ("dict", _set(lambda t: _fitted(t, 0),
                                                       "n_features_out_", 7)),
    "fitted: unknown attribute": ("dict", _set(lambda t: _fitted(t, 3), "__class__", 1)),
    "fitted: scaler width": ("dict", _set(lambda t: _fitted(t, 1), "n_features_in_", 5)),
    "arrays: scale_ 1e308": ("dict", _set_tensor("logisticregression.scale_",
                                                 lambda v: np.full_like(v, 1e308))),
    "arrays: scale_ negative": ("dict", _set_tensor("logisticregression.scale_",
                                                    lambda v: -np.abs(v) - 1)),
    "arrays: scale_ NaN": ("dict", _set_tensor("logisticregression.scale_",
                                               lambda v: np.full_like(v, np.nan))),
    "arrays: intercept inf": ("dict", _set_tensor("intercept_", lambda v: np.full_like(
        v, np.inf))),
    "arrays: intercept sum past the float range": ("dict", _set_tensor(
        "intercept_", lambda v: np.full_like(v, 1e308))),
    "arrays: codes beyond the bits": ("dict", _set(_params(3), "bits", 4)),
    "arrays: codes int64": ("dict", _set_tensor("codes_", lambda v: v.astype(np.int64))),
    "arrays: codes 3-D": ("dict", _set_tensor("codes_", lambda v: v.reshape(1, 1, -1))),
    "arrays: scaler scale_ width": ("dict", _set_tensor("maxabsscaler.scale_",
                                                        lambda v: v[:-1])),
    "arrays: idf codes past the table": ("text", _set_tensor("idf_codes_", lambda v: np.full_like(
        v, 200))),
    "arrays: idf table inf": ("text", _set_tensor("idf_table_", lambda v: np.full_like(
        v, np.inf))),
    "arrays: missing": ("dict", lambda t, a: _fitted(t, 3).update({"intercept_": None})),
    "arrays: referenced twice": ("dict", lambda t, a: _fitted(t, 3).update(
        {"intercept_": _fitted(t, 3)["scale_"]})),
    "arrays: unknown reference": ("dict", lambda t, a: _fitted(t, 3).update(
        {"intercept_": {"tensor": "nope"}})),
    "arrays: unreferenced": ("dict", lambda t, a: a.update({"extra": np.zeros(3)})),
    "arrays: reference not a dict": ("dict", lambda t, a: _fitted(t, 3).update(
        {"intercept_": "model.x"})),
    "hash: level sizes wrap around": ("dict", _set_tensor("mph_.level_bits", lambda v: np.array(
        [2**63, 2**63], dtype=np.uint64))),
    "hash: level of 0 bits": ("dict", _set_tensor("mph_.level_bits", lambda v: np.zeros_like(v))),
    "hash: level not a multiple of 64": ("dict", _set_tensor("mph_.level_bits",
                                                             lambda v: v + np.uint64(1))),
    "hash: huge level": ("dict", _set_tensor("mph_.level_bits", lambda v: np.array(
        [2**40], dtype=np.uint64))),
    "hash: words too short": ("dict", _set_tensor("mph_.words", lambda v: v[:-1])),
    "hash: all bits set": ("dict", _set_tensor("mph_.words", lambda v: np.full_like(
        v, 2**64 - 1))),
    "hash: fingerprints too short": ("dict", _set_tensor("mph_.fingerprints", lambda v: v[:-1])),
    "hash: fallback 3 columns": ("dict", _set_tensor("mph_.fallback", lambda v: np.zeros(
        (1, 3), dtype=np.uint64))),
    "hash: fallback unsorted": ("dict", _set_tensor("mph_.fallback", lambda v: np.array(
        [[5, 5], [1, 1]], dtype=np.uint64))),
    "hash: n_keys": ("dict", _set(_mph, "n_keys", 5)),
    "hash: gamma 0.5": ("dict", _set(_mph, "gamma", 0.5)),
    "hash: gamma 1e9": ("dict", _set(_mph, "gamma", 1e9)),
    "hash: seed too large": ("dict", _set(_mph, "seed", 2**40)),
    "hash: fingerprint_bits 33": ("dict", _set(_mph, "fingerprint_bits", 33)),
    "hash: fingerprint_bits 64": ("dict", _set(_mph, "fingerprint_bits", 64)),
    "nesting: 9 nested pipelines": ("dict", _nest_pipelines(9)),
    "nesting: 400 nested pipelines": ("dict", _nest_pipelines(400)),
    "stacked: count one more": ("ovr", lambda t, a: _stack(t).update(
        {"count": _stack(t)["count"] + 1})),
    "stacked: count 10**9": ("ovr", _set_counts(10**9)),
    "stacked: count 2**64": ("ovr", _set_counts(2**64)),
    "stacked: count 0": ("ovr", _set_counts(0)),
    "stacked: count negative": ("ovr", _set_counts(-1)),
    "stacked: count float": ("ovr", _set_counts(4.0)),
    "stacked: no groups": ("ovr", lambda t, a: _stack(t).update({"groups": []})),
    "stacked: group count 0": ("mixed", lambda t, a: _group(t).update({"count": 0})),
    "stacked: group counts disagree": ("mixed", lambda t, a: _stack(t).update({"groups": [
        {**group, "count": 2} for group in _stack(t)["groups"]]})),
    "stacked: extra key": ("ovr", lambda t, a: _stack(t).update({"code": "x"})),
    "stacked: group extra key": ("ovr", lambda t, a: _group(t).update({"code": "x"})),
    "stacked: 5000 members without bytes": ("ovr", _empty_members(5000)),
    "stacked: 200000 members without bytes": ("ovr", _empty_members(200_000)),
    "stacked: fixed rows one more": ("ovr", lambda t, a: _column(t, "intercept_").update(
        {"rows": 2})),
    "stacked: fixed rows negative": ("ovr", lambda t, a: _column(t, "intercept_").update(
        {"rows": -1})),
    "stacked: fixed rows 2**70": ("ovr", lambda t, a: _column(t, "intercept_").update(
        {"rows": 2**70})),
    "stacked: fixed rows float": ("ovr", lambda t, a: _column(t, "intercept_").update(
        {"rows": 1.0})),
    "stacked: rows unknown word": ("ovr", lambda t, a: _column(t, "intercept_").update(
        {"rows": "all"})),
    "stacked: codes shared": ("ovr", lambda t, a: _column(t, "codes_").update(
        {"rows": "shared"})),
    "stacked: intercept scalar": ("ovr", lambda t, a: _column(t, "intercept_").update(
        {"rows": "scalar"})),
    "stacked: lengths off by one": ("ovr", _lengths(lambda v: v + 1)),
    "stacked: lengths wrap around": ("ovr", _lengths(_wrapping_lengths)),
    "stacked: lengths negative": ("ovr", _lengths(lambda v: np.concatenate(
        [[-1, int(v[0]) + int(v[1]) + 1], v[2:]]).astype(np.int64))),
    "stacked: lengths float": ("ovr", _lengths(lambda v: v.astype(np.float64))),
    "stacked: lengths one short": ("ovr", _lengths(lambda v: v[:-1])),
    "stacked: lengths one more": ("ovr", _lengths(lambda v: np.append(v, 0).astype(v.dtype))),
    "stacked: lengths 2-D": ("ovr", _lengths(lambda v: v.reshape(1, -1))),
    "stacked: lengths 2**40 each": ("ovr", _lengths(lambda v: np.full(
        len(v), 2**40, dtype=np.uint64))),
    "stacked: lengths missing": ("ovr", lambda t, a: _column(t, "codes_").update(
        {"rows": {"tensor": "nope"}})),
    "stacked: skeleton unknown column": ("ovr", lambda t, a: _skeleton()(t).update(
        {"codes_": {"tensor": "99"}})),
    "stacked: skeleton names a file array": ("ovr", lambda t, a: _skeleton()(t).update(
        {"codes_": _column(t, "codes_")["data"]})),
    "stacked: skeleton column twice": ("ovr", lambda t, a: _skeleton()(t).update(
        {"scale_": _skeleton()(t)["intercept_"]})),
    "stacked: column not referenced": ("ovr", _extra_column(1, np.zeros(4))),
    "stacked: number column uint8": ("ovr", _extra_column("scalar", np.full(
        4, 7, dtype=np.uint8), "n_features_in_")),
    "stacked: number column huge": ("ovr", _extra_column("scalar", np.full(
        4, 2**62 + 1), "n_features_in_")),
    "stacked: number column 2-D": ("ovr", _extra_column(1, np.full((4, 1), 7),
                                                        "n_features_in_")),
    "stacked: number column NaN": ("ovr", _extra_column("scalar", np.full(4, np.nan),
                                                        "n_outputs_")),
    "stacked: one data for two columns": ("ovr", lambda t, a: _group(t)["columns"].append(
        _group(t)["columns"][0])),
    "stacked: skeleton not an object": ("ovr", lambda t, a: _group(t).update(
        {"skeleton": {"value": "passthrough"}})),
    "stacked: skeleton os.system": ("ovr", lambda t, a: _group(t)["skeleton"].update(
        {"class": "os.system"})),
    "stacked: skeleton a template": ("ovr", lambda t, a: _group(t).update(
        {"skeleton": _group(t)["skeleton"]["nested"]["estimator"]})),
    "stacked: template fitted model": ("ovr", lambda t, a: _group(t)["skeleton"]["nested"].update(
        {"estimator": copy.deepcopy(_group(t)["skeleton"])})),
    "stacked: member NaN scale": ("ovr", _set_tensor("estimators_[*].scale_", lambda v: np.where(
        np.arange(len(v)) == 2, np.nan, v))),
    "stacked: member intercept inf": ("mixed", _set_tensor("[*1].intercept_", lambda v: np.where(
        np.arange(len(v)) == 1, np.inf, v))),
    "stacked: member codes beyond the bits": ("ovr", lambda t, a: _group(t)["skeleton"][
        "params"].update({"bits": 2})),
    "stacked: member n_outputs_ 2": ("ovr", _set(_skeleton(), "n_outputs_", 2)),
    "stacked: member layout exec": ("ovr", _set(_skeleton(), "layout_", "exec")),
    "stacked: member template C string": ("ovr", lambda t, a: _group(t)["skeleton"]["nested"][
        "estimator"]["params"].update({"C": "x"})),
    "stacked: members deeper than 8": ("ovr", lambda t, a: _group(t).update({"skeleton": json.loads(
        '{"class": "Pipeline", "params": {}, "nested": {"steps": [["p", ' * 9
        + json.dumps(_group(t)["skeleton"]) + ']]}, "fitted": {}}' * 9)})),
    "stacked: group_of for one group": ("ovr", _group_numbers_for_one_group),
    "stacked: group_of missing": ("mixed", lambda t, a: _stack(t).update({"group_of": None})),
    "stacked: group_of out of range": ("mixed", _set_group_of(lambda v: v + 5)),
    "stacked: group_of 2**31": ("mixed", _set_group_of(lambda v: v.astype(np.uint32) + 2**31)),
    "stacked: group_of disagrees": ("mixed", _set_group_of(np.zeros_like)),
    "stacked: group_of int64": ("mixed", _set_group_of(lambda v: v.astype(np.int64))),
    "stacked: group_of uint64": ("mixed", _set_group_of(lambda v: v.astype(np.uint64))),
    "stacked: group_of one short": ("mixed", _set_group_of(lambda v: v[:-1])),
    "stacked: group_of 2-D": ("mixed", _set_group_of(lambda v: v.reshape(1, -1))),
    "stacked: where a plain list is required": ("ovr", lambda t, a: t["nested"].update(
        {"steps": {"stacked": _stack(t)}})),
    "nesting: deep list of steps": ("dict", lambda t, a: json.dumps(t).replace(
        '"steps": [', '"steps": ' + "[" * 5000, 1).replace("]]}, \"fitted\"",
                                                          "]]" + "]" * 5000 + "}, \"fitted\"", 1)),
}


def _header_edit(edit):
    """A raw edit of the JSON header, with the length field and digest fixed up."""
    def apply(data):
        length = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + length])
        text = edit(header)
        if isinstance(text, dict):
            text = json.dumps(text).encode()
        text += b" " * (-len(text) % 8)
        return _reseal(len(text).to_bytes(8, "little") + text + data[8 + length:])
    return apply


def _first_array(header):
    return next(k for k in header if k != "__metadata__")


def _with_entry(**changes):
    def edit(header):
        header[_first_array(header)].update(changes)
        return header
    return edit


def _with_metadata(**changes):
    def edit(header):
        header["__metadata__"].update(changes)
        return header
    return edit


def _deep_structure(header):
    header["__metadata__"]["structure"] = "[" * 100_000 + "]" * 100_000
    return header


# (raw edit of the base dict model's bytes); every one must be refused.
CONTAINER_CASES = {
    "container: header length past the end": lambda d: (len(d)).to_bytes(8, "little") + d[8:],
    "container: header length 2**63": lambda d: (2**63).to_bytes(8, "little") + d[8:],
    "container: truncated in the header": lambda d: d[:20],
    "container: truncated in the data": lambda d: d[:-100],
    "container: trailing bytes": lambda d: _reseal(d + bytes(8)),
    "container: offsets overlap": _header_edit(_with_entry(data_offsets=[0, 8])),
    "container: offsets reversed": _header_edit(_with_entry(data_offsets=[8, 0])),
    "container: offsets negative": _header_edit(_with_entry(data_offsets=[-8, 0])),
    "container: offsets floats": _header_edit(_with_entry(data_offsets=[0.0, 8.0])),
    "container: shape product overflows": _header_edit(_with_entry(shape=[2**40, 2**40, 2**40])),
    "container: shape negative": _header_edit(_with_entry(shape=[-1])),
    "container: dtype F128": _header_edit(_with_entry(dtype="F128")),
    "container: UTF-16 header": _header_edit(lambda h: json.dumps(h).encode("utf-16")),
    "container: repeated key": _header_edit(lambda h: json.dumps(h).encode()[:-1]
                                            + b', "__metadata__": {}}'),
    "container: NaN literal": _header_edit(lambda h: json.dumps(h).encode()[:-1]
                                           + b', "x": NaN}'),
    "container: metadata not strings": _header_edit(_with_metadata(format=1)),
    "container: structure not JSON": _header_edit(_with_metadata(structure="{nope")),
    "container: structure nested 100000 deep": _header_edit(_deep_structure),
    "container: format version huge": _header_edit(_with_metadata(format_version="9" * 5000)),
    "container: format version arabic digit": _header_edit(_with_metadata(
        format_version="\u0663")),
    "container: extra metadata": _header_edit(_with_metadata(evil="1")),
    "container: digest not last": _header_edit(lambda h: {**h, "__digest__": {
        **h["__digest__"], "data_offsets": [0, 16]}}),
    "container: digest wrong size": _header_edit(lambda h: {**h, "__digest__": {
        **h["__digest__"], "shape": [8]}}),
    "container: no digest": lambda d: d[:-16],
}


def _mph_bytes_cases():
    """MinimalPerfectHash.from_bytes on crafted bytes (its own format, digest recomputed)."""
    good = MinimalPerfectHash.build([f"k{i}" for i in range(100)]).to_bytes()
    header = struct.Struct("<6sHQdIB3xIQQQ4x")
    fields = list(header.unpack_from(good))

    def crafted(index, value):
        changed = list(fields)
        changed[index] = value
        body = header.pack(*changed) + good[header.size:-16]
        return body + hashlib.sha256(body).digest()[:16]

    return {
        "hash bytes: n_keys 2**63": crafted(2, 2**63),
        "hash bytes: gamma NaN": crafted(3, float("nan")),
        "hash bytes: fingerprint_bits 255": crafted(5, 255),
        "hash bytes: 2**32-1 levels": crafted(6, 2**32 - 1),
        "hash bytes: 2**60 words": crafted(7, 2**60),
        "hash bytes: 2**60 fallback keys": crafted(9, 2**60),
        "hash bytes: truncated": good[:70],
    }


def _special_files(directory):
    fifo = directory / "fifo.skc"
    os.mkfifo(fifo)
    loop = directory / "loop.skc"
    loop.symlink_to(loop)
    sparse = directory / "sparse.skc"
    with open(sparse, "wb") as f:
        f.truncate(3 * 2**30)
    return {
        "special: FIFO": (fifo, "ValueError"),
        "special: /dev/zero": (Path("/dev/zero"), "ValueError"),
        "special: /dev/null": (Path("/dev/null"), "ValueError"),
        "special: symlink loop": (loop, "ValueError"),
        "special: 3 GB sparse file": (sparse, "ValueError"),
        "special: directory": (directory, "IsADirectoryError"),
        "special: missing": (directory / "missing.skc", "FileNotFoundError"),
    }


_CHILD = textwrap.dedent("""
    import json, os, resource, signal, sys, time
    import numpy as np
    import sklearn_compress
    from sklearn_compress import MinimalPerfectHash

    def peak():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def on_alarm(*args):
        raise TimeoutError("case took too long")

    signal.signal(signal.SIGALRM, on_alarm)
    cases = json.load(open(sys.argv[1]))
    inputs = {"dict": [{"f1": 1.0, "f2": 2.0}] * 50,
              "text": ["play jazz " * 200 + "x" * 5000] * 20}
    inputs["ovr"] = inputs["mixed"] = inputs["dict"]
    # Warm-up: a good model loaded and used once, so later growth is the case's.
    for good in json.load(open(sys.argv[2])):
        sklearn_compress.load(good["path"]).predict(inputs[good["kind"]])
    with open("/proc/self/status") as f:
        vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize"))
    resource.setrlimit(resource.RLIMIT_AS, (vm + 2**31, vm + 2**31))
    baseline = peak()
    for case in cases:
        signal.alarm(int(sys.argv[3]))
        outcome = "accepted"
        try:
            if case["kind"] == "mph_bytes":
                with open(case["path"], "rb") as f:
                    MinimalPerfectHash.from_bytes(f.read()).get("k1")
            else:
                model = sklearn_compress.load(case["path"], mmap=case["mmap"])
                model.predict(inputs[case["kind"]])
        except BaseException as exc:
            outcome = type(exc).__name__ if not isinstance(exc, ValueError) else "ValueError"
        signal.alarm(0)
        growth = peak() - baseline
        print(json.dumps({"name": case["name"], "outcome": outcome, "growth": growth}),
              flush=True)
""")


def _run_batch(cases, goods, tmp_path, index):
    cases_file = tmp_path / f"cases{index}.json"
    cases_file.write_text(json.dumps(cases))
    goods_file = tmp_path / "goods.json"
    goods_file.write_text(json.dumps(goods))
    process = subprocess.run(
        [sys.executable, "-c", _CHILD, str(cases_file), str(goods_file), str(LIMIT_SECONDS)],
        capture_output=True, text=True, timeout=LIMIT_SECONDS * len(cases) + 120,
        cwd=Path(__file__).resolve().parents[2])
    results = [json.loads(line) for line in process.stdout.splitlines()]
    assert process.returncode == 0, (f"child died (exit {process.returncode}) after "
                                     f"{len(results)} cases: {process.stderr[-2000:]}")
    return results


def _crafted_files(tmp_path):
    """name -> (path, base kind, expected outcome) for every crafted case."""
    bases = {}
    for kind, model in _base_models().items():
        bases[kind] = tmp_path / f"base_{kind}.skc"
        save(model, bases[kind])
    files = {}
    for number, (name, (kind, edit)) in enumerate(TREE_CASES.items()):
        tree, tensors, metadata = _parts(bases[kind])
        tree = edit(tree, tensors) or tree
        path = tmp_path / f"tree{number}.skc"
        _write_sealed(path, tree, tensors, metadata)
        files[name] = (path, kind, "ValueError")
    original = bases["dict"].read_bytes()
    for number, (name, edit) in enumerate(CONTAINER_CASES.items()):
        path = tmp_path / f"container{number}.skc"
        path.write_bytes(edit(original))
        files[name] = (path, "dict", "ValueError")
    for number, (name, data) in enumerate(_mph_bytes_cases().items()):
        path = tmp_path / f"mph{number}.bin"
        path.write_bytes(data)
        files[name] = (path, "mph_bytes", "ValueError")
    for name, (path, expected) in _special_files(tmp_path).items():
        files[name] = (path, "dict", expected)
    return bases, files


def test_hostile_files_are_all_refused_cleanly(tmp_path):
    bases, files = _crafted_files(tmp_path)
    cases = [{"name": name, "path": str(path), "kind": kind, "mmap": bool(i % 2)}
             for i, (name, (path, kind, _)) in enumerate(files.items())]
    goods = [{"path": str(path), "kind": kind} for kind, path in bases.items()]
    results = _run_batch(cases, goods, tmp_path, 0)
    assert [r["name"] for r in results] == list(files)
    failures = []
    for result in results:
        path, _, expected = files[result["name"]]
        if result["outcome"] != expected:
            failures.append(f"{result['name']}: {result['outcome']}, expected {expected}")
        size = path.stat().st_size if path.is_file() and path.stat().st_size < 2**30 else 0
        if result["growth"] > 4 * size + 32 * 2**20:
            failures.append(f"{result['name']}: load grew memory by {result['growth']:,} bytes")
    assert not failures, "\n".join(failures)
    assert len(results) >= 100  # recorded in docs/benchmarks.md
