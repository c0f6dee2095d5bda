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

The walk over the items is compiled (``_attributes_fast.pyx``). Names are
built as ``str`` (as ``bytes`` only where the input has bytes) and
hashed as UTF-8 by :func:`sklearn_compress.mph.hash_keys`.
"""

from ._attributes_fast import append_items

__all__ = ["c_string", "is_item_sequence", "sequence_attributes"]


def is_item_sequence(xseq):
    """Whether ``xseq`` is a ``pycrfsuite.ItemSequence`` (without importing pycrfsuite)."""
    return type(xseq).__name__ == "ItemSequence" and type(xseq).__module__.startswith(
        "pycrfsuite")


def _item_dicts(xseq):
    """The items of a sequence; an ItemSequence gives its prepared attribute dicts."""
    # ItemSequence.items() keeps one value per name: repeated attributes of
    # an item, which CRFsuite adds up, count once there.
    return xseq.items() if is_item_sequence(xseq) else xseq


def sequence_attributes(xseq, names, values, token_ends):
    """Append the attributes of the items of ``xseq``.

    ``token_ends`` gets, per item, the number of attributes appended so far.
    """
    append_items(_item_dicts(xseq), names, values, token_ends)


def c_string(name):
    """The name CRFsuite looks up: up to the first NUL."""
    return name.partition("\0" if isinstance(name, str) else b"\0")[0]
