"""scikit-learn's CountVectorizer, TfidfVectorizer and TfidfTransformer tests, run
against CompressedTextVectorizer and CompressedTfidfTransformer."""

import inspect

import sklearn
from sklearn.feature_extraction.tests import test_text as upstream

from sklearn_compress import CompressedTextVectorizer, CompressedTfidfTransformer

from ._substitute import upstream_tests

_TFIDF_ONLY = ("norm", "use_idf", "smooth_idf", "sublinear_tf")


def _drop_in(name, tfidf):
    """A CompressedTextVectorizer with ``tfidf`` fixed, and its other parameters.

    32 fingerprint bits: unseen n-grams are then never taken for seen ones,
    as scikit-learn's tests expect of a dict vocabulary.
    """
    base = inspect.signature(CompressedTextVectorizer.__init__)
    parameters = [
        p.replace(default=32) if p.name == "fingerprint_bits" else p
        for p in base.parameters.values()
        if p.name != "tfidf" and (tfidf or p.name not in _TFIDF_ONLY)
    ]

    def __init__(self, **params):
        defaults = {p.name: p.default for p in parameters[1:]}
        CompressedTextVectorizer.__init__(self, tfidf=tfidf, **{**defaults, **params})

    __init__.__signature__ = base.replace(parameters=parameters)
    # Like the class it stands for, no set_output (a subclass would turn it back on).
    return type(name, (CompressedTextVectorizer,), {"__init__": __init__, "__module__": __name__},
                auto_wrap_output_keys=None)


CountVectorizer = _drop_in("CountVectorizer", tfidf=False)
TfidfVectorizer = _drop_in("TfidfVectorizer", tfidf=True)

# Each scikit-learn test that a documented limitation makes meaningless, with the
# reason and the exception the limitation raises (run as strict xfails).
NO_VOCABULARY = ("no n-gram strings are stored: no vocabulary_ (or inverse_transform)",
                 AttributeError)
NO_NAMES = ("get_feature_names_out gives generic names (countvectorizer0, ...), not n-grams",
            AssertionError)
PRIVATE = ("calls CountVectorizer's private methods or attributes", AttributeError)
LIMITATIONS = {
    "test_countvectorizer_custom_vocabulary": NO_VOCABULARY,
    "test_countvectorizer_custom_vocabulary_pipeline": NO_VOCABULARY,
    "test_countvectorizer_custom_token_pattern": NO_NAMES,
    "test_vectorizer": NO_VOCABULARY,
    "test_feature_names": ("fixed_vocabulary_ is set by fit; scikit-learn also sets it when "
                           "an unfitted vectorizer is asked for its feature names",
                           AttributeError),
    "test_vectorizer_max_features": NO_VOCABULARY,
    "test_count_vectorizer_max_features": NO_NAMES,
    "test_vectorizer_max_df": NO_VOCABULARY,
    "test_vectorizer_min_df": NO_VOCABULARY,
    "test_count_binary_occurrences": NO_NAMES,
    "test_vectorizer_inverse_transform": NO_VOCABULARY,
    "test_tfidf_vectorizer_setter": NO_VOCABULARY,
    "test_tfidfvectorizer_invalid_idf_attr": NO_VOCABULARY,
    "test_vectorizer_vocab_clone": NO_VOCABULARY,
    "test_vectorizer_stop_words_inconsistent": PRIVATE,
    "test_countvectorizer_sort_features_64bit_sparse_indices": PRIVATE,
    "test_stop_word_validation_custom_preprocessor": PRIVATE,
    "test_tie_breaking_sample_order_invariance": NO_VOCABULARY,
}
if tuple(int(part) for part in sklearn.__version__.split(".")[:2]) < (1, 9):
    # scikit-learn < 1.9's TfidfTransformer.transform(copy=False) returns the input
    # object itself; the compressed transformer returns a new matrix (the values are
    # the same, and the input is still worked on in place).
    LIMITATIONS["test_tfidf_transformer_copy"] = (
        "scikit-learn < 1.9 returns the input object itself for copy=False", AssertionError)

globals().update(upstream_tests(upstream, {
    "CountVectorizer": CountVectorizer,
    "TfidfVectorizer": TfidfVectorizer,
    "TfidfTransformer": CompressedTfidfTransformer,
}))
