"""Item attributes follow python-crfsuite's rules (checked against ItemSequence)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_compress.crf._attributes import sequence_attributes

pycrfsuite = pytest.importorskip("pycrfsuite")


def _attributes(xseq):
    names, values, ends = [], [], []
    sequence_attributes(xseq, names, values, ends)
    items, start = [], 0
    for end in ends:
        item = {}
        for name, value in zip(names[start:end], values[start:end], strict=True):
            name = name.decode() if isinstance(name, bytes) else name
            item[name] = value  # ItemSequence.items() keeps the last of repeats too
        items.append(item)
        start = end
    return items


def test_documented_forms():
    xseq = [
        {"word": "play", "is_title": True, "is_digit": False, "count": 3, "weight": 0.5},
        {"prefix": {"a": "b", "n": 2.0, "list": ["x", "y"]}, "tags": {"t"}},
        ["w:jazz", "bias"],
        {b"raw": b"bytes", "mixed": b"v"},
        "ab",  # a str item is iterated character by character
    ]
    expected = [
        {"word:play": 1.0, "is_title": 1.0, "is_digit": 0.0, "count": 3.0, "weight": 0.5},
        {"prefix:a:b": 1.0, "prefix:n": 2.0, "prefix:list:x": 1.0, "prefix:list:y": 1.0,
         "tags:t": 1.0},
        {"w:jazz": 1.0, "bias": 1.0},
        {"raw:bytes": 1.0, "mixed:v": 1.0},
        {"a": 1.0, "b": 1.0},
    ]
    assert _attributes(xseq) == expected
    assert pycrfsuite.ItemSequence(xseq).items() == expected


def test_item_sequence_input():
    xseq = [{"w": "a", "n": 2}, ["x"]]
    assert _attributes(pycrfsuite.ItemSequence(xseq)) == _attributes(xseq)


@pytest.mark.parametrize(("item", "message"), [
    ({"n": None}, "CRF attribute 'n' has a value of type NoneType"),
    ({"n": ("a",)}, "CRF attribute 'n' has a value of type tuple"),
    ({1: "a"}, "CRF attribute names must be str or bytes, got int"),
    ({"w": ["a", 1]}, "CRF attribute names must be str or bytes, got int"),
])
def test_invalid_items_raise_type_error(item, message):
    with pytest.raises(TypeError, match=message):
        _attributes([item])


_text = st.text(st.sampled_from("abc:_ XY\u00e9\u4e2d"), min_size=0, max_size=4)
_keys = st.text(st.sampled_from("abcXY\u00e9_"), min_size=1, max_size=3)
_scalars = st.one_of(_text, st.booleans(), st.integers(-3, 3),
                     st.floats(-4, 4, allow_nan=False, width=32))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.dictionaries(_keys, inner, max_size=3), st.lists(_text, max_size=3)), max_leaves=6)
ITEMS = st.one_of(st.dictionaries(_keys, _values, max_size=5), st.lists(_text, max_size=4))


def _unique_names(xseq):
    """Whether no item repeats an attribute name (ItemSequence.items() would merge them)."""
    for item in xseq:
        names, values, ends = [], [], []
        sequence_attributes([item], names, values, ends)
        if len(set(names)) != len(names):
            return False
    return True


@settings(max_examples=150, deadline=None)
@given(st.lists(ITEMS, max_size=4).filter(_unique_names))
def test_matches_item_sequence(xseq):
    assert _attributes(xseq) == pycrfsuite.ItemSequence(xseq).items()
