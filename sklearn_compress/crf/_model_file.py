"""Exact weights of a CRFsuite model, read from its binary ``.crfsuite`` file.

``Tagger.info()`` prints weights with 6 decimals (small weights come out as 0)
and builds a dict per feature; the file holds them as float64. The facts of
the format (CRFsuite 0.12, ``crf1d_model.c`` and ``cqdb.c``) relied on here:

- A 48-byte header: magic ``b"lCRF"``, file size, model type ``b"FOMC"``,
  version, then the uint32 counts ``num_features`` (left 0 by the writer),
  ``num_labels``, ``num_attrs`` and the offsets of the feature chunk, the label and attribute
  string databases and the two reference chunks. All little-endian.
- The feature chunk: ``b"FEAT"``, chunk size, count (12 bytes), then one
  20-byte record per feature: uint32 ``type`` (0 = state feature, 1 =
  transition), uint32 ``src`` (attribute id, or the previous label),
  uint32 ``dst`` (label id), float64 ``weight``. Only features with a
  non-zero weight are written, and only attributes having one.
- A string database (CQDB) per label and attribute set: ``b"CQDB"``, size,
  flag, byte-order mark ``0x62445371``, backward-array size and offset, 256
  hash-table references, then the records ``(int32 id, uint32 length,
  length bytes ending in NUL)``. The backward array (``bwd_offset``) gives
  the record offset of each id, for ids ``0 .. num - 1``. The CQDB is written
  in the host's byte order; the mark tells it, and big-endian files are
  refused here.
- The two reference chunks (features by label, by attribute) repeat what the
  feature records say; they are not read.

Scoring, as ``crf1d_tag.c`` does it: the score of label ``y`` at a position
is the sum, over the position's attributes ``a`` with value ``v``, of
``v * weight(a, y)``; a path adds ``weight(y_prev, y)`` for each transition.
There are no start or end transition weights.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["CrfWeights", "read_model_bytes", "weights_from_tagger_info"]

_HEADER = np.dtype([("magic", "S4"), ("size", "<u4"), ("type", "S4"), ("version", "<u4"),
                    ("num_features", "<u4"), ("num_labels", "<u4"), ("num_attrs", "<u4"),
                    ("off_features", "<u4"), ("off_labels", "<u4"), ("off_attrs", "<u4"),
                    ("off_labelrefs", "<u4"), ("off_attrrefs", "<u4")])
_FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])
_CHUNK_HEADER = 12
_CQDB_HEADER = np.dtype([("chunkid", "S4"), ("size", "<u4"), ("flag", "<u4"),
                         ("byteorder", "<u4"), ("bwd_size", "<u4"), ("bwd_offset", "<u4")])
_CQDB_BYTEORDER = 0x62445371
_STATE, _TRANSITION = 0, 1


@dataclass(frozen=True)
class CrfWeights:
    """The weights of a linear-chain CRF, features as parallel arrays.

    ``labels[i]`` is label ``i``'s name; ``attributes[a]`` attribute ``a``'s
    UTF-8 bytes. State feature ``k`` adds ``state_weights[k]`` to label
    ``state_labels[k]`` per unit of attribute ``state_attributes[k]``;
    transition ``k`` adds ``transition_weights[k]`` to the step from label
    ``transition_from[k]`` to label ``transition_to[k]``.
    """

    labels: list
    attributes: list
    state_attributes: np.ndarray
    state_labels: np.ndarray
    state_weights: np.ndarray
    transition_from: np.ndarray
    transition_to: np.ndarray
    transition_weights: np.ndarray


def _header(data):
    if len(data) < _HEADER.itemsize:
        raise ValueError(f"{len(data)} bytes are too short for a CRFsuite model file")
    header = np.frombuffer(data, dtype=_HEADER, count=1)[0]
    if header["magic"] != b"lCRF" or header["type"] != b"FOMC":
        raise ValueError("not a CRFsuite model file (no 'lCRF'/'FOMC' header): a model "
                             "file written by a CRFsuite trainer is expected")
    if header["size"] > len(data):
        raise ValueError(f"truncated CRFsuite model: the header says {header['size']} "
                             f"bytes, got {len(data)}")
    return header


def _features(data, header):
    start = int(header["off_features"])
    chunk = np.frombuffer(data, dtype="<u4", count=3, offset=start) if start + 12 <= len(
        data) else None
    if chunk is None or data[start:start + 4] != b"FEAT":
        raise ValueError("CRFsuite model without its feature chunk ('FEAT')")
    count = int(chunk[2])
    # The header's num_features is left 0 by CRFsuite's writer: the chunk counts.
    if start + _CHUNK_HEADER + count * _FEATURE.itemsize > len(data):
        raise ValueError("CRFsuite model with a malformed feature chunk")
    return np.frombuffer(data, dtype=_FEATURE, count=count, offset=start + _CHUNK_HEADER)


def _strings(data, start, count, what):
    """The ``count`` strings of the CQDB at ``start``, by id, as bytes."""
    if start + _CQDB_HEADER.itemsize > len(data) or data[start:start + 4] != b"CQDB":
        raise ValueError(f"CRFsuite model without its {what} database ('CQDB')")
    header = np.frombuffer(data, dtype=_CQDB_HEADER, count=1, offset=start)[0]
    if header["byteorder"] != _CQDB_BYTEORDER:
        raise ValueError(f"the {what} database of this CRFsuite model was written on a "
                             "big-endian machine; only little-endian models are read")
    if count and (header["bwd_offset"] == 0 or header["bwd_size"] < count):
        raise ValueError(f"CRFsuite {what} database without its id -> string array")
    records = start + np.frombuffer(data, dtype="<u4", count=count,
                                    offset=start + int(header["bwd_offset"])).astype(np.int64)
    strings = []
    for record in records.tolist():
        length = int.from_bytes(data[record + 4:record + 8], "little")
        # The stored length counts the terminating NUL.
        strings.append(bytes(data[record + 8:record + 7 + length]))
    return strings


def read_model_bytes(data):
    """The exact weights in the bytes of a ``.crfsuite`` model file.

    Parameters
    ----------
    data : bytes-like
        The whole file.

    Returns
    -------
    CrfWeights

    Raises
    ------
    ValueError
        If the bytes are not a (little-endian) CRFsuite linear-chain model.
    """
    data = memoryview(data).cast("B")
    header = _header(data)
    features = _features(data, header)
    n_labels, n_attrs = int(header["num_labels"]), int(header["num_attrs"])
    labels = [name.decode("utf-8") for name in
              _strings(data, int(header["off_labels"]), n_labels, "label")]
    attributes = _strings(data, int(header["off_attrs"]), n_attrs, "attribute")
    state = features[features["type"] == _STATE]
    transition = features[features["type"] == _TRANSITION]
    if len(state) + len(transition) != len(features) or (
            len(state) and (state["src"].max() >= n_attrs or state["dst"].max() >= n_labels)) or (
            len(transition) and max(transition["src"].max(), transition["dst"].max()) >= n_labels):
        raise ValueError("CRFsuite model with features of an unknown type or out of range")
    return CrfWeights(
        labels=labels, attributes=attributes,
        state_attributes=state["src"].astype(np.int64), state_labels=state["dst"].astype(np.int64),
        state_weights=state["weight"].astype(np.float64),
        transition_from=transition["src"].astype(np.int64),
        transition_to=transition["dst"].astype(np.int64),
        transition_weights=transition["weight"].astype(np.float64),
    )


def weights_from_tagger_info(tagger):
    """The weights of an open ``pycrfsuite.Tagger``, from its ``info()`` dump.

    A Tagger does not give its model bytes back, so this is the only way to
    read one; the dump rounds weights to 6 decimals (an error below 5e-7,
    a thousandth of an 8-bit quantization step for weights of size 0.1).
    """
    info = tagger.info()
    labels = list(tagger.labels())
    label_ids = {label: i for i, label in enumerate(labels)}
    # The dump parser keeps the ids as text.
    attributes = sorted(info.attributes, key=lambda name: int(info.attributes[name]))
    attribute_ids = {name: i for i, name in enumerate(attributes)}
    state = list(info.state_features.items())
    transitions = list(info.transitions.items())
    return CrfWeights(
        labels=labels, attributes=[name.encode("utf-8") for name in attributes],
        state_attributes=np.array([attribute_ids[a] for (a, _), _ in state], dtype=np.int64),
        state_labels=np.array([label_ids[y] for (_, y), _ in state], dtype=np.int64),
        state_weights=np.array([w for _, w in state], dtype=np.float64),
        transition_from=np.array([label_ids[a] for (a, _), _ in transitions], dtype=np.int64),
        transition_to=np.array([label_ids[b] for (_, b), _ in transitions], dtype=np.int64),
        transition_weights=np.array([w for _, w in transitions], dtype=np.float64),
    )
