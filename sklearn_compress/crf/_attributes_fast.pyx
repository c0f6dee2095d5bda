"""Compiled attribute walk of CRF items (the rules are documented in _attributes.py).

One call per sequence appends every item's ``(name, value)`` pairs: the
common ``str`` key with a ``str`` value is one C-level string join.
"""

cdef object _name(object key):
    if type(key) is str or isinstance(key, (str, bytes)):
        return key
    raise TypeError(f"CRF attribute names must be str or bytes, got {type(key).__name__}: "
                    f"{key!r:.80}")


cdef object _joined(object prefix, object name):
    """``prefix + ":" + name``, as bytes if either part is bytes."""
    if type(prefix) is str and type(name) is str:
        return f"{<str>prefix}:{<str>name}"
    if isinstance(prefix, bytes) or isinstance(name, bytes):
        as_bytes = [p.encode("utf-8", "surrogatepass") if isinstance(p, str) else p
                    for p in (prefix, name)]
        return as_bytes[0] + b":" + as_bytes[1]
    return f"{prefix}:{name}"


cdef double _number(object key, object value) except? -1.0:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"CRF attribute {key!r:.80} has a value of type {type(value).__name__} "
            f"({value!r:.80}); values must be str, bytes, numbers, bools, or dicts, lists "
            "or sets of those") from None


cdef int _append_pair(object key, object value, object prefix, list names,
                      list values) except -1:
    name = _name(key)
    if prefix is not None:
        name = _joined(prefix, name)
    kind = type(value)
    if kind is str and type(name) is str:  # the common case first
        names.append(f"{<str>name}:{<str>value}")
        values.append(1.0)
    elif kind is float or kind is int or kind is bool:
        names.append(name)
        values.append(float(value))
    elif isinstance(value, (str, bytes)):
        names.append(_joined(name, value))
        values.append(1.0)
    elif isinstance(value, (dict, list, set)):
        _append_item(value, name, names, values)
    else:
        names.append(name)
        values.append(_number(key, value))
    return 0


cdef int _append_item(object item, object prefix, list names, list values) except -1:
    """Append the attributes of one item; ``prefix`` is None at the top level."""
    if type(item) is dict:
        for key, value in (<dict>item).items():
            _append_pair(key, value, prefix, names, values)
    elif isinstance(item, dict):
        for key, value in item.items():
            _append_pair(key, value, prefix, names, values)
    else:
        for key in item:
            name = _name(key)
            names.append(name if prefix is None else _joined(prefix, name))
            values.append(1.0)
    return 0


def append_items(items, list names, list values, list token_ends):
    """Append the attributes of each item; ``token_ends`` gets ``len(names)`` after each."""
    for item in items:
        _append_item(item, None, names, values)
        token_ends.append(len(names))
