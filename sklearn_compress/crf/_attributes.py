"""Attributes of CRF input items, exactly as python-crfsuite reads them.

python-crfsuite turns each item (token) of a sequence into a list of
``(attribute name, value)`` pairs (``to_item`` in ``_pycrfsuite.pyx``):

- a ``dict`` item: for each key, a ``str``/``bytes`` value ``v`` gives the
  attribute ``"key:v"`` with value 1; a ``dict``, ``list`` or ``set`` value
  is read as an item of its own whose attribute names get the prefix
  ``"key:"``; any other value is converted to a float and gives the
  attribute ``"key"`` with that value (``True`` is 1, ``False`` and 0
  contribute nothing to the scores);
- any other item (a list of strings; a ``str`` item is iterated character
  by character): each element is an attribute with value 1.

Names are UTF-8; CRFsuite looks them up as C strings, so a name ends at its
first NUL character. Repeated attributes of one item add up.

Names are built here as ``str`` (as ``bytes`` only where the input has
bytes) and hashed as UTF-8 by :func:`sklearn_compress.mph.hash_keys`.
"""

__all__ = ["c_string", "is_item_sequence", "sequence_attributes"]

_NUMBERS = frozenset({float, int, bool})
_NESTED = (dict, list, set)


def is_item_sequence(xseq):
    """Whether ``xseq`` is a ``pycrfsuite.ItemSequence`` (without importing pycrfsuite)."""
    return type(xseq).__name__ == "ItemSequence" and type(xseq).__module__.startswith(
        "pycrfsuite")


def _name(key):
    if isinstance(key, (str, bytes)):
        return key
    raise TypeError(f"CRF attribute names must be str or bytes, got {type(key).__name__}: "
                    f"{key!r:.80}")


def _joined(prefix, separator, name):
    """``prefix + separator + name``, as bytes if either part is bytes."""
    if isinstance(prefix, bytes) or isinstance(name, bytes):
        as_bytes = [p.encode("utf-8", "surrogatepass") if isinstance(p, str) else p
                    for p in (prefix, name)]
        return as_bytes[0] + separator.encode() + as_bytes[1]
    return f"{prefix}{separator}{name}"


def _number(key, value):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"CRF attribute {key!r:.80} has a value of type {type(value).__name__} "
            f"({value!r:.80}); values must be str, bytes, numbers, bools, or dicts, lists "
            "or sets of those") from None


def _append_item(item, prefix, names, values):
    """Append the attributes of one item; ``prefix`` is None at the top level."""
    if not isinstance(item, dict):
        for key in item:
            name = _name(key)
            names.append(name if prefix is None else _joined(prefix, ":", name))
            values.append(1.0)
        return
    for key, value in item.items():
        name = _name(key)
        if prefix is not None:
            name = _joined(prefix, ":", name)
        kind = type(value)
        if kind is str and type(name) is str:  # the common case first
            names.append(f"{name}:{value}")
            values.append(1.0)
        elif kind in _NUMBERS:
            names.append(name)
            values.append(float(value))
        elif isinstance(value, (str, bytes)):
            names.append(_joined(name, ":", value))
            values.append(1.0)
        elif isinstance(value, _NESTED):
            _append_item(value, name, names, values)
        else:
            names.append(name)
            values.append(_number(key, value))


def _item_dicts(xseq):
    """The items of a sequence; an ItemSequence gives its prepared attribute dicts."""
    # ItemSequence.items() keeps one value per name: repeated attributes of
    # an item, which CRFsuite adds up, count once there.
    return xseq.items() if is_item_sequence(xseq) else xseq


def sequence_attributes(xseq, names, values, token_ends):
    """Append the attributes of the items of ``xseq``.

    ``token_ends`` gets, per item, the number of attributes appended so far.
    """
    for item in _item_dicts(xseq):
        _append_item(item, None, names, values)
        token_ends.append(len(names))


def c_string(name):
    """The name CRFsuite looks up: up to the first NUL."""
    return name.partition("\0" if isinstance(name, str) else b"\0")[0]
