"""Strings that are not valid UTF-8 (lone surrogates, NUL) are features like any other.

Before the fix, one lone surrogate in a feature name or document killed the
process (SIGSEGV in the hashing call). Each test compares with scikit-learn,
which treats such strings as ordinary dictionary keys.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_compress import (
    CompressedTextVectorizer,
    CompressedVectorizer,
    MinimalPerfectHash,
    compress,
)
from sklearn_compress.mph import hash_keys

# Any code point, lone surrogates and NUL included.
ANY_TEXT = st.text(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from("\udce9\ud800\udfff\x00é")),
    max_size=12,
)
EXACT = {"fingerprint_bits": 32}


def test_lone_surrogates_are_distinct_keys():
    keys = ["caf\udce9", "café", "\ud83d\ude00", "😀", "\x00", "", b"caf\xc3\xa9"]
    hashes = hash_keys(keys)
    # "café" and its UTF-8 bytes are one key; every other pair differs.
    assert_array_equal(hashes[1], hashes[6])
    assert len({tuple(row) for row in hashes[:6].tolist()}) == 6


def test_mph_get_and_lookup_of_surrogates():
    keys = ["caf\udce9", "\udfff", "a\x00b", "plain"]
    mph = MinimalPerfectHash.build(keys, **EXACT)
    assert sorted(mph.lookup(keys).tolist()) == [0, 1, 2, 3]
    assert [mph.get(key) for key in keys] == mph.lookup(keys).tolist()
    assert mph.get("\udcff") == -1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.dictionaries(ANY_TEXT, st.one_of(ANY_TEXT, st.integers(-5, 5)), max_size=5),
             min_size=1, max_size=6),
    st.lists(st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=5), min_size=1, max_size=4),
)
def test_dict_vectorizer_equivalence_on_any_string(train, new):
    dv = DictVectorizer().fit(train)
    cv = CompressedVectorizer(**EXACT).fit(train)
    for samples in (train, new):
        expected = dv.transform(samples)
        got = cv.transform(samples)
        if not dv.feature_names_:
            assert got.shape == (len(samples), 0)
            continue
        slots = cv.mph_.lookup(dv.feature_names_)
        assert_allclose(got[:, slots].toarray(), expected.toarray())


@settings(max_examples=60, deadline=None)
@given(st.lists(ANY_TEXT.filter(bool), min_size=1, max_size=8),
       st.lists(ANY_TEXT, min_size=1, max_size=4))
def test_text_vectorizer_equivalence_on_any_string(train, new):
    analyzer = {"analyzer": "char", "ngram_range": (1, 2)}
    tv = TfidfVectorizer(**analyzer).fit(train)
    ctv = CompressedTextVectorizer(tfidf=True, **analyzer, **EXACT).fit(train)
    slots = ctv.mph_.lookup(tv.get_feature_names_out().tolist())
    for documents in (train, new):
        assert_allclose(ctv.transform(documents)[:, slots].toarray(),
                        tv.transform(documents).toarray())


@pytest.mark.parametrize("document", ["caf\udce9 latte", "\ud800", "a\x00b \udfff c"])
def test_compressed_pipeline_predicts_on_surrogates(document):
    texts = ["play jazz", "play caf\udce9 music", "stop now", "stop the \udfff alarm"]
    labels = ["play", "play", "stop", "stop"]
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels)
    small = compress(pipe, fingerprint_bits=32)
    assert small.predict([document]).tolist() == pipe.predict([document]).tolist()

    dicts = [{word: 1 for word in text.split()} for text in texts]
    dict_pipe = make_pipeline(DictVectorizer(), LogisticRegression()).fit(dicts, labels)
    small_dict = compress(dict_pipe, fingerprint_bits=32)
    sample = [{word: 1 for word in document.split()} | {"name": document}]
    assert small_dict.predict(sample).tolist() == dict_pipe.predict(sample).tolist()
    assert np.isfinite(small_dict.decision_function(sample)).all()
