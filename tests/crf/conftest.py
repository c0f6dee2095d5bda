import pytest

from sklearn_compress.crf import load_slot_dataset, sequence_features, synthetic_slot_dataset

sklearn_crfsuite = pytest.importorskip("sklearn_crfsuite")

# SNIPS taggers in the tests train on a slice of train_small: 800 sentences
# and 40 lbfgs iterations take about 5 s (the benchmark trains on all of train).
SNIPS_TRAIN_SENTENCES = 800
SNIPS_MAX_ITERATIONS = 40


def features_of(tokens):
    return [sequence_features(sentence) for sentence in tokens]


@pytest.fixture(scope="session")
def synthetic_crf():
    tokens, tags = synthetic_slot_dataset(300, seed=0)
    test_tokens, test_tags = synthetic_slot_dataset(100, seed=1)
    crf = sklearn_crfsuite.CRF(c1=0.1, c2=0.1, max_iterations=50)
    crf.fit(features_of(tokens), tags)
    return crf, features_of(test_tokens), test_tags


@pytest.fixture(scope="session")
def snips_crf(snips_dir):
    tokens, tags = load_slot_dataset(snips_dir, "train_small")
    test_tokens, test_tags = load_slot_dataset(snips_dir, "test")
    crf = sklearn_crfsuite.CRF(c1=0.1, c2=0.1, max_iterations=SNIPS_MAX_ITERATIONS)
    crf.fit(features_of(tokens[:SNIPS_TRAIN_SENTENCES]), tags[:SNIPS_TRAIN_SENTENCES])
    return crf, features_of(test_tokens), test_tags
