"""CompressedCRF predicts as the CRF it compresses."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

import sklearn_compress
from sklearn_compress import CompressedCRF, compress
from sklearn_compress.crf import span_f1
from sklearn_compress.crf._decode import marginals, viterbi

from ._reference import (
    dequantized_weights_by_name,
    exact_weights,
    path_score,
    state_scores,
    state_weights_by_name,
    transition_matrix,
)

sklearn_crfsuite = pytest.importorskip("sklearn_crfsuite")


def _label_ids(crf, labels):
    index = {label: i for i, label in enumerate(crf.classes_)}
    return [index[label] for label in labels]


def _check_exact_decoding(crf, X):
    """Exact weights + our attribute rules + our decoding == CRFsuite's output."""
    weights = exact_weights(crf)
    by_name, transition = state_weights_by_name(weights), transition_matrix(weights)
    n_labels = len(weights.labels)
    for xseq in X:
        state = state_scores(xseq, by_name, n_labels)
        expected_path = _label_ids(crf, crf.predict_single(xseq))
        path = viterbi(state, transition)
        # The same best score; the same path unless two paths tie exactly.
        assert path_score(state, transition, path) == pytest.approx(
            path_score(state, transition, expected_path), rel=1e-12, abs=1e-12)
        expected = crf.predict_marginals_single(xseq)
        got = marginals(state, transition)
        assert got.shape == (len(xseq), n_labels)
        for t, row in enumerate(expected):
            np.testing.assert_allclose(got[t], [row[label] for label in weights.labels],
                                       atol=1e-9)


def _check_dequantized_equivalence(tagger, crf, X):
    """The compressed tagger scores exactly with its dequantized weights."""
    weights = exact_weights(crf)
    by_name = dequantized_weights_by_name(tagger, weights)
    transition = tagger.transition_codes_ * tagger.transition_scale_
    for xseq in X:
        state = state_scores(xseq, by_name, len(weights.labels))
        path = _label_ids(crf, tagger.predict_single(xseq))
        assert path_score(state, transition, path) == pytest.approx(
            path_score(state, transition, viterbi(state, transition)), rel=1e-12, abs=1e-12)
        got = tagger.predict_marginals_single(xseq)
        np.testing.assert_allclose([[row[y] for y in weights.labels] for row in got],
                                   marginals(state, transition), atol=1e-12)


def test_exact_decoding_on_snips(snips_crf):
    crf, X, _ = snips_crf
    _check_exact_decoding(crf, X[:150])
    weights = exact_weights(crf)
    by_name, transition = state_weights_by_name(weights), transition_matrix(weights)
    paths = [weights.labels[y] for xseq in X for y in viterbi(
        state_scores(xseq, by_name, len(weights.labels)), transition)]
    assert paths == [label for xseq in X for label in crf.predict_single(xseq)]


def test_snips_quality(snips_crf):
    crf, X, y = snips_crf
    tagger = compress(crf)
    assert isinstance(tagger, CompressedCRF)
    assert list(tagger.classes_) == crf.classes_
    original, compressed = crf.predict(X), tagger.predict(X)
    identical = np.mean([list(a) == list(b) for a, b in zip(original, compressed, strict=True)])
    # 98.3% for this small, briefly trained tagger (more near-ties than the
    # full SNIPS tagger of the benchmark, which keeps 99.6%).
    assert identical >= 0.975
    assert abs(span_f1(y, compressed) - span_f1(y, original)) <= 0.005
    # With 8-bit fingerprints, 1 in 256 unseen test attributes lands on a kept
    # one; 32 bits make that negligible, so the scores must be exactly those
    # of the dequantized weights.
    _check_dequantized_equivalence(compress(crf, fingerprint_bits=32), crf, X[:100])
    before, after = crf.predict_marginals(X[:50]), tagger.predict_marginals(X[:50])
    largest = max(abs(row[label] - row_after[label])
                  for seq, seq_after in zip(before, after, strict=True)
                  for row, row_after in zip(seq, seq_after, strict=True) for label in row)
    assert largest < 0.05


def test_usable_with_sklearn_crfsuite_metrics(synthetic_crf):
    from sklearn_crfsuite import metrics

    crf, X, y = synthetic_crf
    tagger = compress(crf)
    labels = list(tagger.classes_)
    labels.remove("O")
    assert metrics.flat_f1_score(y, tagger.predict(X), average="weighted", labels=labels) == (
        pytest.approx(metrics.flat_f1_score(y, crf.predict(X), average="weighted",
                                            labels=labels)))
    assert tagger.score(X, y) == pytest.approx(crf.score(X, y))


def test_output_types_match_the_crf(synthetic_crf):
    crf, X, _ = synthetic_crf
    tagger = compress(crf)
    for method in ("predict", "predict_marginals"):
        expected, got = getattr(crf, method)(X[:5]), getattr(tagger, method)(X[:5])
        assert type(got) is type(expected) and got.dtype == expected.dtype
        assert got.shape == expected.shape
    assert tagger.predict_single([]) == crf.predict_single([]) == []
    assert tagger.predict_marginals_single([]) == []
    single = tagger.predict_marginals_single(X[0])
    assert type(single) is list and set(single[0]) == set(crf.classes_)
    assert all(type(label) is str for label in tagger.predict_single(X[0]))


def test_sources_give_the_same_tagger(synthetic_crf, tmp_path):
    crf, X, _ = synthetic_crf
    from_crf = CompressedCRF.from_crf(crf)
    with open(crf.modelfile.name, "rb") as f:
        data = f.read()
    path = tmp_path / "model.crfsuite"
    path.write_bytes(data)
    for other in (CompressedCRF.from_crfsuite(path), CompressedCRF.from_crfsuite(str(path)),
                  CompressedCRF.from_crfsuite(data)):
        assert pickle.dumps(other) == pickle.dumps(from_crf)
    # A Tagger is read from its 6-decimal dump: codes move by at most one step.
    from_tagger = CompressedCRF.from_crfsuite(crf.tagger_)
    assert np.abs(from_tagger.transition_codes_.astype(int)
                  - from_crf.transition_codes_).max() <= 1
    assert from_tagger.predict(X).tolist() == from_crf.predict(X).tolist()


def test_deterministic_and_pickles(synthetic_crf):
    crf, X, _ = synthetic_crf
    first, second = compress(crf, random_state=3), compress(crf, random_state=3)
    assert pickle.dumps(first) == pickle.dumps(second)
    restored = pickle.loads(pickle.dumps(first))
    assert restored.predict(X).tolist() == first.predict(X).tolist()
    # The block index is derived: rebuilt on loading, not stored.
    assert "_block_starts" not in first.__getstate__()
    np.testing.assert_array_equal(restored._block_starts, first._block_starts)


def test_save_and_load(synthetic_crf, tmp_path):
    crf, X, _ = synthetic_crf
    tagger = compress(crf, bits=6)
    path = tmp_path / "tagger.skc"
    sklearn_compress.save(tagger, path)
    loaded = sklearn_compress.load(path)
    assert loaded.predict(X).tolist() == tagger.predict(X).tolist()
    assert loaded.get_params() == tagger.get_params()


def _old_layout(tagger):
    """The tagger as earlier files stored it: per-slot entry counts, plain label ids."""
    entry_labels = tagger.__dict__.pop("entry_labels_")
    ends = np.flatnonzero(entry_labels & 1) + 1
    tagger.entry_counts_ = np.diff(ends, prepend=0).astype(np.uint8)
    tagger.label_ids_ = (entry_labels >> 1).astype(np.uint8)
    return tagger


def test_loads_the_earlier_layout(synthetic_crf, tmp_path):
    crf, X, _ = synthetic_crf
    tagger = compress(crf)
    path = tmp_path / "earlier.skc"
    sklearn_compress.save(_old_layout(compress(crf)), path)
    loaded = sklearn_compress.load(path)
    np.testing.assert_array_equal(loaded.entry_labels_, tagger.entry_labels_)
    assert not hasattr(loaded, "entry_counts_") and not hasattr(loaded, "label_ids_")
    assert loaded.predict(X).tolist() == tagger.predict(X).tolist()


def _edited(tagger, name, edit):
    value = getattr(tagger, name).copy()
    edit(value)
    setattr(tagger, name, value)
    return tagger


def _set(index, value):
    def edit(array):
        array[index] = value
    return edit


def test_load_refuses_a_tagger_without_labels(synthetic_crf, tmp_path):
    tagger = compress(synthetic_crf[0])
    tagger.mph_ = sklearn_compress.MinimalPerfectHash.build([])
    tagger.classes_ = tagger.classes_[:0]
    tagger.entry_labels_, tagger.state_codes_ = tagger.entry_labels_[:0], tagger.state_codes_[:0]
    tagger.state_scales_, tagger.transition_codes_ = np.ones(0), np.zeros((0, 0), np.int8)
    with pytest.raises(ValueError, match=r"^model: the tagger has no labels$"):
        sklearn_compress.save(tagger, tmp_path / "empty.skc")


@pytest.mark.parametrize("edit, message", [
    (lambda t: _edited(t, "entry_labels_", _set(0, 2 * len(t.classes_))),
     "label ids reach {n_labels} for {n_labels} labels"),
    (lambda t: _edited(t, "entry_labels_", _set(-1, t.entry_labels_[-1] - 1)),
     "the entries end {n_slots_less_one} attributes for {n_slots} hash slots"),
    (lambda t: _edited(t, "entry_labels_", lambda a: np.bitwise_or(a, 1, out=a)),
     "the entries end {n_slots_plus_one} attributes for {n_slots} hash slots"),
    (lambda t: setattr(t, "entry_labels_", t.entry_labels_[:-1]),
     "{n_entries_less_one} entry labels for {n_entries} codes"),
    (lambda t: t.__dict__.pop("entry_labels_"), "the tagger has no entry_labels_"),
    (lambda t: _edited(_old_layout(t), "entry_counts_", _set(0, t.entry_counts_[0] + 1)),
     "the attribute index, label ids and codes disagree on the entry count"),
    (lambda t: _edited(_old_layout(t), "entry_counts_",
                       lambda a: (a.__setitem__(1, a[1] + a[0]), a.__setitem__(0, 0))),
     "an attribute has no entries"),
    # 2 * 129 would wrap to label 1 in a byte: refused before the conversion.
    (lambda t: _edited(_old_layout(t), "label_ids_", _set(0, 129)),
     "label ids reach 129 for {n_labels} labels"),
    (lambda t: _old_layout(t).__dict__.pop("label_ids_"),
     "the attribute index, label ids and codes disagree on the entry count"),
])
def test_load_checks_the_entries(synthetic_crf, tmp_path, edit, message):
    tagger = compress(synthetic_crf[0])
    n_slots, n_entries = len(tagger.mph_), len(tagger.state_codes_)
    message = message.format(
        n_labels=len(tagger.classes_), n_slots=n_slots, n_slots_less_one=n_slots - 1,
        n_slots_plus_one=n_slots + 1, n_entries=n_entries, n_entries_less_one=n_entries - 1)
    edit(tagger)
    path = tmp_path / "broken.skc"
    # save() runs load()'s checks before writing.
    with pytest.raises(ValueError, match=f"^{message}$"):
        sklearn_compress.save(tagger, path)
    assert not path.exists()


def test_low_bits(snips_crf):
    crf, X, y = snips_crf
    tagger = compress(crf, bits=4)
    assert np.abs(tagger.state_codes_).max() <= 7
    assert len(tagger.mph_) < len(compress(crf).mph_)  # more codes round to zero
    assert span_f1(y, tagger.predict(X)) > span_f1(y, crf.predict(X)) - 0.05


def test_unseen_attributes_are_ignored(synthetic_crf):
    crf, X, _ = synthetic_crf
    tagger = compress(crf, fingerprint_bits=32)
    noisy = [[{**item, f"unseen{i}": "x", f"other{i}": 2.5} for i, item in enumerate(xseq)]
             for xseq in X[:20]]
    assert tagger.predict(noisy).tolist() == tagger.predict(X[:20]).tolist()


def test_named_weights_are_gone(synthetic_crf):
    tagger = compress(synthetic_crf[0])
    for name in ("state_features_", "transition_features_", "attributes_"):
        with pytest.raises(AttributeError, match="keeps no attribute names"):
            getattr(tagger, name)


def test_errors(synthetic_crf):
    crf, X, _ = synthetic_crf
    tagger = compress(crf)
    with pytest.raises(TypeError, match="X must be a list of sequences"):
        tagger.predict(X[0][0])
    with pytest.raises(TypeError, match="has a value of type NoneType"):
        tagger.predict_single([{"word": None}])
    with pytest.raises(TypeError, match="is not fitted"):
        compress(sklearn_crfsuite.CRF())
    with pytest.raises(TypeError, match="takes a CRFsuite model file"):
        CompressedCRF.from_crfsuite(3)
    with pytest.raises(ValueError, match="bits"):
        compress(crf, bits=9)
    unfitted = CompressedCRF()
    for method in (unfitted.predict, unfitted.predict_marginals, unfitted.predict_single,
                   unfitted.predict_marginals_single):
        with pytest.raises(NotFittedError, match="This CompressedCRF instance is not fitted"):
            method(X[0])


def test_fit_trains_and_compresses():
    from sklearn_compress.crf import sequence_features, synthetic_slot_dataset

    tokens, tags = synthetic_slot_dataset(100)
    X = [sequence_features(sentence) for sentence in tokens]
    tagger = CompressedCRF(crf_params={"max_iterations": 20}).fit(X, tags)
    crf = sklearn_crfsuite.CRF(max_iterations=20).fit(X, tags)
    assert pickle.dumps(tagger) == pickle.dumps(CompressedCRF.from_crf(
        crf, crf_params={"max_iterations": 20}))


# -- hypothesis: random feature dicts, small models trained in the test ------------------

_WORDS = st.sampled_from(["a", "b", "c", "d"])
_ITEM = st.fixed_dictionaries(
    {"w": _WORDS},
    optional={"n": st.floats(-2, 2, allow_nan=False, width=16), "flag": st.booleans(),
              "k": st.integers(0, 2), "nested": st.dictionaries(
                  st.sampled_from(["x", "y"]), st.one_of(_WORDS, st.booleans()), max_size=2),
              "bag": st.lists(_WORDS, max_size=3)})
_SEQUENCE = st.lists(_ITEM, min_size=1, max_size=5)


def _labels_of(xseq):
    # Labels that depend on the features, so that the model learns something.
    return [("B" if item["w"] in "ab" else "O") if not item.get("flag") else "I"
            for item in xseq]


@settings(max_examples=25, deadline=None)
@given(st.lists(_SEQUENCE, min_size=2, max_size=12), st.lists(_SEQUENCE, max_size=6))
def test_random_feature_dicts(train, test):
    crf = sklearn_crfsuite.CRF(max_iterations=30, c2=0.01).fit(
        train, [_labels_of(xseq) for xseq in train])
    _check_exact_decoding(crf, [*train, *test])
    tagger = compress(crf, fingerprint_bits=32)
    _check_dequantized_equivalence(tagger, crf, [*train, *test])


def test_compression_report_for_taggers(synthetic_crf):
    crf, X, y = synthetic_crf
    tagger = compress(crf)
    report = sklearn_compress.compression_report(crf, tagger, X, y)
    original, compressed = crf.predict(X), tagger.predict(X)
    assert report.n_samples == len(X)
    assert report.agreement == np.mean([list(a) == list(b)
                                        for a, b in zip(original, compressed, strict=True)])
    assert report.token_agreement == np.mean(
        [a == b for s, t in zip(original, compressed, strict=True)
         for a, b in zip(s, t, strict=True)])
    assert report.score_original == span_f1(y, original)
    assert report.score_compressed == span_f1(y, compressed)
    assert report.total.compressed == "CompressedCRF"
    assert "token agreement: " in str(report)


def test_importing_without_sklearn_crfsuite():
    import subprocess
    import sys

    code = ("import sys; sys.modules['sklearn_crfsuite'] = None\n"
            "import sklearn_compress\n"
            "from sklearn_compress.compose._compress import MODEL_REWRITES\n"
            "assert not any(t.__name__ == 'CRF' for t in MODEL_REWRITES)\n"
            "print(sklearn_compress.CompressedCRF.__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "CompressedCRF"
