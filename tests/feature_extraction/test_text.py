"""CompressedTextVectorizer: scikit-learn's text matrices, columns permuted to hash slots."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_compress import CompressedTextVectorizer, QuantizedLinearModel, compress
from sklearn_compress.datasets import load_intent_dataset

# 32 fingerprint bits: an n-gram unseen in fit is then (almost) never taken for
# a seen one, so transforms of new text equal scikit-learn's exactly.
EXACT = {"fingerprint_bits": 32}

# Analysis settings compared with scikit-learn: (tfidf, parameters).
SETTINGS = {
    "count-word": (False, {}),
    "count-word-12-binary": (False, {"ngram_range": (1, 2), "binary": True}),
    "count-word-13-stop": (False, {"ngram_range": (1, 3), "stop_words": "english"}),
    "count-char-25-float32": (False, {"analyzer": "char", "ngram_range": (2, 5),
                                      "dtype": np.float32}),
    "count-charwb-15-nolower": (False, {"analyzer": "char_wb", "ngram_range": (1, 5),
                                        "lowercase": False}),
    "count-accents-unicode": (False, {"strip_accents": "unicode", "lowercase": False}),
    "tfidf-word-12": (True, {"ngram_range": (1, 2)}),
    "tfidf-word-l1-nosmooth": (True, {"norm": "l1", "smooth_idf": False}),
    "tfidf-word-sublinear-noidf": (True, {"sublinear_tf": True, "use_idf": False}),
    "tfidf-word-nonorm-ascii": (True, {"norm": None, "strip_accents": "ascii",
                                       "ngram_range": (1, 2)}),
    "tfidf-charwb-25-float32": (True, {"analyzer": "char_wb", "ngram_range": (2, 5),
                                       "dtype": np.float32}),
    "tfidf-word-token-pattern-stop": (True, {"token_pattern": r"(?u)\b\w+\b",
                                             "stop_words": ["the", "a", "to"]}),
}
SELECTIONS = [
    {"min_df": 2},
    {"max_df": 0.05},
    {"min_df": 0.001, "max_df": 40},
    {"max_features": 500},
    {"min_df": 2, "max_features": 300},
    {"max_df": 0.5, "max_features": 1000, "binary": True},
]

WORDS = ["play", "Jazz", "café", "naïve", "weather", "in", "the", "Zürich", "set", "alarm",
         "for", "7am", "book", "a", "taxi", "to", "façade", "ÉCOLE", "don't", "music",
         "résumé", "tomorrow", "x", "señor", "straße"]


def generated_texts(n_docs, seed):
    """Texts over a small vocabulary with accents, case, digits and punctuation."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 12, size=n_docs)
    return [" ".join(rng.choice(WORDS, size=n)) + rng.choice(["", "?", "!", " ."])
            for n in lengths]


@pytest.fixture(scope="module")
def generated():
    return generated_texts(1500, seed=0), generated_texts(400, seed=1)


@pytest.fixture(scope="module")
def clinc150(clinc150_dir):
    train, _ = load_intent_dataset(clinc150_dir, "valid")
    test, _ = load_intent_dataset(clinc150_dir, "test")
    return train, test[:1000]


@pytest.fixture(scope="module")
def snips(snips_dir):
    train, _ = load_intent_dataset(snips_dir, "train_small")
    test, _ = load_intent_dataset(snips_dir, "test")
    return train, test


def sklearn_vectorizer(tfidf, **params):
    return (TfidfVectorizer if tfidf else CountVectorizer)(**params)


def slot_columns(ctv, vectorizer):
    """The scikit-learn column of each slot of ``ctv``, checking the column sets match."""
    slots = ctv.mph_.lookup(vectorizer.get_feature_names_out().tolist())
    assert_array_equal(np.sort(slots), np.arange(ctv.n_features_out_))
    columns = np.empty(ctv.n_features_out_, dtype=np.int64)
    columns[slots] = np.arange(len(slots))
    return columns


def assert_same_matrix(ours, expected, tfidf):
    """Equal canonical CSR matrices (tf-idf values within 1e-12 relative)."""
    assert sp.issparse(ours)
    assert ours.shape == expected.shape
    assert ours.dtype == expected.dtype
    assert ours.has_canonical_format
    expected = sp.csr_array(expected)
    expected.sum_duplicates()  # sorts the indices that column indexing left unsorted
    ours = sp.csr_array(ours)
    assert_array_equal(ours.indptr, expected.indptr)
    assert_array_equal(ours.indices, expected.indices)
    if tfidf:
        rtol = 1e-12 if ours.dtype == np.float64 else 1e-6
        assert_allclose(ours.data, expected.data, rtol=rtol, atol=0)
    else:
        assert_array_equal(ours.data, expected.data)


@pytest.mark.parametrize("corpus", ["generated", "clinc150", "snips"])
@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_matches_sklearn(setting, corpus, request):
    train, test = request.getfixturevalue(corpus)
    tfidf, params = SETTINGS[setting]
    vectorizer = sklearn_vectorizer(tfidf, **params)
    expected = vectorizer.fit_transform(train)
    ctv = CompressedTextVectorizer(tfidf=tfidf, **params, **EXACT)
    ours = ctv.fit_transform(train)
    columns = slot_columns(ctv, vectorizer)
    assert_same_matrix(ours, expected[:, columns], tfidf)
    assert_same_matrix(ctv.transform(test), vectorizer.transform(test)[:, columns], tfidf)
    if tfidf and vectorizer.use_idf:
        assert_array_equal(ctv.idf_, vectorizer.idf_[columns])


@pytest.mark.parametrize("corpus", ["generated", "clinc150"])
@pytest.mark.parametrize("selection", SELECTIONS, ids=str)
def test_feature_selection_matches_sklearn(selection, corpus, request):
    train, _ = request.getfixturevalue(corpus)
    params = {"ngram_range": (1, 2), **selection}
    vectorizer = CountVectorizer(**params).fit(train)
    ctv = CompressedTextVectorizer(**params, **EXACT).fit(train)
    assert ctv.n_features_out_ == len(vectorizer.vocabulary_)
    columns = slot_columns(ctv, vectorizer)  # the same n-grams
    assert_same_matrix(ctv.transform(train), vectorizer.transform(train)[:, columns], False)


def test_max_features_ties_follow_sklearn_not_hash_order(clinc150):
    # Many bigrams occur once: the limit falls inside a tie, where scikit-learn's
    # choice depends on the n-grams' alphabetical order.
    train, _ = clinc150
    params = {"ngram_range": (1, 2), "max_features": 4000}
    tf = np.sort(np.asarray(CountVectorizer(ngram_range=(1, 2)).fit_transform(train)
                            .sum(axis=0)).ravel())[::-1]
    assert tf[3999] == tf[4000]
    vectorizer = CountVectorizer(**params).fit(train)
    ctv = CompressedTextVectorizer(**params, **EXACT).fit(train)
    slot_columns(ctv, vectorizer)
    # A one-shot iterator cannot be read again: hash order, with a warning.
    with pytest.warns(UserWarning, match="one-shot iterator"):
        one_shot = CompressedTextVectorizer(**params, **EXACT).fit(iter(train))
    assert one_shot.n_features_out_ == 4000
    slots = one_shot.mph_.lookup(vectorizer.get_feature_names_out().tolist())
    assert (slots < 0).any()


def test_generator_input_fits_like_a_list(generated):
    train, _ = generated
    params = {"tfidf": True, "ngram_range": (1, 2), "min_df": 2, **EXACT}
    from_list = CompressedTextVectorizer(**params).fit(train)
    from_generator = CompressedTextVectorizer(**params).fit(doc for doc in train)
    assert pickle.dumps(from_list) == pickle.dumps(from_generator)
    transformed = CompressedTextVectorizer(**params).fit_transform(doc for doc in train)
    assert_same_matrix(transformed, from_list.transform(train), True)


def test_chunks_and_merges_give_the_same_result(generated, monkeypatch):
    from sklearn_compress.feature_extraction import _hashed, _text

    train, _ = generated
    params = {"ngram_range": (1, 3), "max_features": 200, **EXACT}
    expected = CompressedTextVectorizer(**params).fit_transform(train)
    monkeypatch.setattr(_text, "_CHUNK_TERMS", 50)
    monkeypatch.setattr(_hashed, "_MIN_MERGE", 64)
    ctv = CompressedTextVectorizer(**params)
    assert_same_matrix(ctv.fit_transform(train), expected, False)
    assert_same_matrix(ctv.transform(train), expected, False)


@pytest.mark.parametrize("tfidf", [False, True])
@pytest.mark.parametrize("params", [
    {"ngram_range": (1, 2)},
    {"analyzer": "char_wb", "ngram_range": (2, 4), "binary": True},
    {"norm": None, "sublinear_tf": True, "min_df": 2},
], ids=str)
def test_from_text_vectorizer_matches(params, tfidf, snips):
    train, test = snips
    if not tfidf:
        params = {k: v for k, v in params.items() if k not in ("norm", "sublinear_tf")}
    vectorizer = sklearn_vectorizer(tfidf, **params).fit(train)
    ctv, columns = CompressedTextVectorizer.from_text_vectorizer(vectorizer, **EXACT)
    assert ctv.tfidf == tfidf
    assert_array_equal(columns, slot_columns(ctv, vectorizer))
    for texts in (train, test):
        assert_same_matrix(ctv.transform(texts), vectorizer.transform(texts)[:, columns], tfidf)


def test_from_text_vectorizer_keep_drops_columns_unless_a_row_norm_reads_them(snips):
    train, _ = snips
    keep = np.zeros(len(CountVectorizer().fit(train).vocabulary_), dtype=bool)
    keep[::3] = True
    counts = CountVectorizer().fit(train)
    ctv, columns = CompressedTextVectorizer.from_text_vectorizer(counts, keep=keep, **EXACT)
    assert_array_equal(np.sort(columns), np.flatnonzero(keep))
    assert_same_matrix(ctv.transform(train), counts.transform(train)[:, columns], False)
    # An l2-normalized TfidfVectorizer reads every n-gram: all stay.
    tfidf = TfidfVectorizer().fit(train)
    ctv, columns = CompressedTextVectorizer.from_text_vectorizer(tfidf, keep=keep, **EXACT)
    assert ctv.n_features_out_ == len(keep)
    assert_same_matrix(ctv.transform(train), tfidf.transform(train)[:, columns], True)
    # Without a norm, each column is on its own: dropped columns just vanish.
    plain = TfidfVectorizer(norm=None).fit(train)
    ctv, columns = CompressedTextVectorizer.from_text_vectorizer(plain, keep=keep, **EXACT)
    assert_array_equal(np.sort(columns), np.flatnonzero(keep))
    assert_same_matrix(ctv.transform(train), plain.transform(train)[:, columns], True)


def test_from_text_vectorizer_rejects_bad_input():
    with pytest.raises(NotFittedError):
        CompressedTextVectorizer.from_text_vectorizer(CountVectorizer())
    files = CountVectorizer(input="file").fit([io.StringIO("a bb")])
    with pytest.raises(ValueError, match="content"):
        CompressedTextVectorizer.from_text_vectorizer(files)
    fitted = CountVectorizer().fit(["aa bb", "cc"])
    with pytest.raises(ValueError, match="boolean mask"):
        CompressedTextVectorizer.from_text_vectorizer(fitted, keep=[True])


# -- compress() -------------------------------------------------------------------------


def _int32(X):
    X = X.tocsr()
    return sp.csr_matrix((X.data, X.indices.astype(np.int32), X.indptr.astype(np.int32)),
                         shape=X.shape)


def _assert_agrees(pipe, small, test):
    original, compressed = pipe.predict(test), small.predict(test)
    assert np.mean(original == compressed) >= 0.99
    # Each decision moves by at most half a quantization step per unit of the
    # original model's input (its L1 norm, n-grams left out of the hash included).
    model_input = pipe[:-1].transform(test)
    l1 = np.asarray(abs(model_input).sum(axis=1)).ravel()
    bound = 0.5 * np.max(small[-1].scale_) * l1 + 1e-9
    error = np.abs(pipe.decision_function(test) - small.decision_function(test))
    assert np.all(error.reshape(len(l1), -1) <= bound[:, None])


def _first_intents(texts, intents, n_intents):
    chosen = sorted(set(intents))[:n_intents]
    pairs = [(text, intent) for text, intent in zip(texts, intents, strict=True)
             if intent in chosen]
    return [text for text, _ in pairs], [intent for _, intent in pairs]


def test_compressed_tfidf_logistic_regression_agrees(clinc150_dir):
    # 30 of the 150 intents keep the fit short.
    train, labels = _first_intents(*load_intent_dataset(clinc150_dir, "valid"), 30)
    test, _ = _first_intents(*load_intent_dataset(clinc150_dir, "test"), 30)
    pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(C=10))
    pipe.fit(train, labels)
    small = compress(pipe, **EXACT)
    vectorizer = small.steps[0][1]
    assert isinstance(vectorizer, CompressedTextVectorizer)
    assert isinstance(small.steps[-1][1], QuantizedLinearModel)
    # The l2 norm reads every n-gram, so none leaves the hash.
    assert vectorizer.n_features_out_ == len(pipe[0].vocabulary_)
    _assert_agrees(pipe, small, test)


@pytest.mark.parametrize("analysis", [
    {"ngram_range": (1, 2)},
    {"analyzer": "char_wb", "ngram_range": (2, 5)},
], ids=str)
def test_compressed_count_tfidf_linear_svc_agrees(analysis, snips_dir):
    train, labels = load_intent_dataset(snips_dir, "train_small")
    test, _ = load_intent_dataset(snips_dir, "test")
    pipe = make_pipeline(CountVectorizer(**analysis), TfidfTransformer(), LinearSVC())
    pipe[:-1].fit(train)
    pipe[-1].fit(_int32(pipe[:-1].transform(train)), labels)
    small = compress(pipe, **EXACT)
    assert isinstance(small.steps[0][1], CompressedTextVectorizer)
    assert small[:-1].transform(test).indices.dtype == np.int32  # liblinear needs int32
    _assert_agrees(pipe, small, test)


def test_compress_drops_zero_weight_ngrams_without_a_row_norm(snips_dir):
    train, labels = load_intent_dataset(snips_dir, "train_small")
    pipe = make_pipeline(TfidfVectorizer(norm=None, ngram_range=(1, 2)),
                         LogisticRegression(C=0.1))
    pipe.fit(train, labels)
    small = compress(pipe, **EXACT)
    assert small.steps[0][1].n_features_out_ < len(pipe[0].vocabulary_)
    _assert_agrees(pipe, small, train)


# -- estimator behaviour ------------------------------------------------------------


def test_same_data_gives_byte_identical_pickles(generated):
    train, _ = generated
    params = {"tfidf": True, "ngram_range": (1, 2), "max_features": 300}
    first = pickle.dumps(CompressedTextVectorizer(**params).fit(train))
    again = pickle.dumps(CompressedTextVectorizer(**params).fit(list(train)))
    shuffled = pickle.dumps(CompressedTextVectorizer(**params).fit(train[::-1]))
    assert first == again == shuffled


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_clone_and_pipeline(dump, generated):
    train, test = generated
    ctv = CompressedTextVectorizer(tfidf=True, ngram_range=(1, 2)).fit(train)
    buffer = io.BytesIO()
    if dump == "pickle":
        pickle.dump(ctv, buffer)
    else:
        joblib.dump(ctv, buffer)
    buffer.seek(0)
    loaded = pickle.load(buffer) if dump == "pickle" else joblib.load(buffer)
    assert_same_matrix(loaded.transform(test), ctv.transform(test), True)
    twin = clone(ctv)
    assert twin.get_params() == ctv.get_params()
    assert not hasattr(twin, "mph_")
    labels = [len(doc) % 3 for doc in train]
    pipe = make_pipeline(twin, LogisticRegression()).fit(train, labels)
    assert pipe.score(train, labels) > 0.3


def tokenize_on_commas(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def test_callables_are_carried_and_pickle_when_importable():
    docs = ["red apple, green pear", "green pear,blue sky", "Red Apple"]
    params = {"tokenizer": tokenize_on_commas, "token_pattern": None,
              "preprocessor": str.lower}
    vectorizer = CountVectorizer(**params).fit(docs)
    ctv, columns = CompressedTextVectorizer.from_text_vectorizer(vectorizer)
    assert ctv.tokenizer is tokenize_on_commas
    loaded = pickle.loads(pickle.dumps(ctv))
    assert_same_matrix(loaded.transform(docs), vectorizer.transform(docs)[:, columns], False)


def test_output_dtypes_and_idf_storage(generated):
    train, _ = generated
    assert CompressedTextVectorizer().fit_transform(train).dtype == np.int64
    ctv = CompressedTextVectorizer(tfidf=True).fit(train)
    assert ctv.transform(train).dtype == np.float64
    # One byte per column: the idf takes few distinct values.
    assert ctv.idf_codes_.dtype == np.uint8
    assert len(ctv.idf_overflow_columns_) == 0
    assert len(ctv.idf_table_) == len(np.unique(ctv.idf_))
    assert ctv.nbytes == ctv.mph_.nbytes + ctv.idf_codes_.nbytes + ctv.idf_table_.nbytes
    assert CompressedTextVectorizer(tfidf=True, use_idf=False).fit(train).idf_table_ is None
    with pytest.warns(UserWarning, match="'dtype' should be used"):
        X = CompressedTextVectorizer(tfidf=True, dtype=np.int32).fit_transform(train)
    assert X.dtype == np.float64


def test_idf_beyond_255_distinct_values_overflows_exactly(clinc150):
    train, test = clinc150
    vectorizer = TfidfVectorizer(ngram_range=(1, 2)).fit(train)
    # Many distinct idf values, a few of them shared by many columns.
    rng = np.random.default_rng(0)
    idf = rng.choice(np.r_[rng.uniform(1, 9, size=1000), np.full(10, 2.5)],
                     size=len(vectorizer.idf_))
    vectorizer.idf_ = idf
    ctv, columns = CompressedTextVectorizer.from_text_vectorizer(vectorizer, **EXACT)
    assert len(ctv.idf_table_) > 256
    assert 0 < len(ctv.idf_overflow_columns_) < ctv.n_features_out_
    assert ctv.idf_codes_.dtype == np.uint8
    assert_array_equal(ctv.idf_, idf[columns])
    assert_same_matrix(ctv.transform(test), vectorizer.transform(test)[:, columns], True)


def test_empty_and_single_string_input():
    ctv = CompressedTextVectorizer().fit(["aa bb", "bb cc"])
    assert ctv.transform([]).shape == (0, 3)
    with pytest.raises(ValueError, match="string object received"):
        ctv.transform("aa bb")
    with pytest.raises(ValueError, match="string object received"):
        CompressedTextVectorizer().fit("aa bb")
    with pytest.raises(ValueError, match="empty vocabulary"):
        CompressedTextVectorizer(stop_words=["aa"]).fit(["aa", "a"])
    with pytest.raises(ValueError, match="no terms remain"):
        CompressedTextVectorizer(max_df=0.5).fit(["aa", "aa"])
    with pytest.raises(ValueError, match="max_df corresponds"):
        CompressedTextVectorizer(min_df=2, max_df=1).fit(["aa bb", "bb cc"])
    with pytest.raises(ValueError, match="ngram_range"):
        CompressedTextVectorizer(ngram_range=(2, 1)).fit(["aa bb"])


def test_unfitted_use_raises_not_fitted():
    ctv = CompressedTextVectorizer()
    for use in (lambda: ctv.transform(["aa"]), lambda: ctv.nbytes, lambda: ctv.idf_):
        with pytest.raises(NotFittedError):
            use()


@pytest.mark.parametrize("params", [
    {"input": "filename"}, {"norm": "l3"}, {"fingerprint_bits": 33}, {"gamma": 0.5},
    {"random_state": -1}, {"tfidf": "yes"}, {"analyzer": "sentence"}, {"min_df": -1},
    {"max_features": 0},
], ids=str)
def test_invalid_parameters_are_rejected(params):
    with pytest.raises(InvalidParameterError):
        CompressedTextVectorizer(**params).fit(["aa bb"])


def test_no_vocabulary_strings_inverse_transform_or_feature_names():
    ctv = CompressedTextVectorizer(tfidf=True, stop_words="english").fit(["the aa bb", "cc"])
    with pytest.raises(AttributeError, match="stores no vocabulary"):
        ctv.inverse_transform(ctv.transform(["aa"]))
    assert not hasattr(ctv, "vocabulary_")
    assert not hasattr(ctv, "stop_words_")
    fitted_state = [value for name, value in vars(ctv).items() if name.endswith("_")]
    assert not any(isinstance(value, (dict, list, set, str)) for value in fitted_state)
    assert ctv.get_feature_names_out().tolist() == [
        f"compressedtextvectorizer{i}" for i in range(3)]


def test_tags_say_string_input():
    tags = get_tags(CompressedTextVectorizer())
    assert tags.input_tags.string
    assert not tags.input_tags.two_d_array


def test_unseen_ngrams_rarely_counted(generated):
    train, _ = generated
    ctv = CompressedTextVectorizer(fingerprint_bits=8).fit(train)
    unseen = [f"zz{i}" for i in range(20000)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        accepted = ctv.transform([" ".join(unseen)]).sum()
    # At most the fingerprint rate (less when the hash's levels miss a key).
    assert 0 < accepted < 20000 / 256 * 1.5
