import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from sklearn_compress import compress, compression_report
from sklearn_compress.compose._report import in_memory_bytes, pickled_bytes, size_breakdown
from tests._synthetic import feature_dicts

X_TRAIN, Y_TRAIN = feature_dicts(600, seed=0)
X_TEST, Y_TEST = feature_dicts(300, seed=1)


def _fit(*steps):
    return make_pipeline(*steps).fit(X_TRAIN, Y_TRAIN)


def test_compression_report():
    pipe = _fit(DictVectorizer(), TfidfTransformer(), LogisticRegression())
    small = compress(pipe)
    report = compression_report(pipe, small, X_TEST, Y_TEST)
    assert [s.name for s in report.steps] == [n for n, _ in pipe.steps]
    assert report.total.pickled_ratio > 1
    assert report.total.memory_compressed < report.total.memory_original
    assert report.agreement == pytest.approx(np.mean(pipe.predict(X_TEST) == small.predict(X_TEST)))
    assert report.score_original == pytest.approx(pipe.score(X_TEST, Y_TEST))
    assert report.score_compressed == pytest.approx(small.score(X_TEST, Y_TEST))
    as_dict = report.to_dict()
    assert as_dict["total"]["pickled_ratio"] == report.total.pickled_ratio
    text = str(report)
    assert "dictvectorizer" in text
    assert "DictVectorizer -> CompressedVectorizer" in text
    assert "prediction agreement on 300 samples" in text


def test_report_needs_matching_step_names():
    pipe = _fit(DictVectorizer(), LogisticRegression())
    other = Pipeline([("a", pipe.steps[0][1]), ("b", pipe.steps[1][1])])
    with pytest.raises(ValueError, match="no step named 'dictvectorizer'"):
        compression_report(pipe, other)


def test_in_memory_bytes_counts_shared_arrays_once():
    data = np.zeros(1000)
    assert in_memory_bytes([data, data]) < in_memory_bytes([data, np.zeros(1000)])
    assert in_memory_bytes(data[:10]) >= data.nbytes  # a view keeps its base alive
    matrix = sparse.random(50, 50, density=0.1, format="csr", random_state=0)
    assert in_memory_bytes(matrix) >= matrix.data.nbytes + matrix.indices.nbytes


def test_in_memory_bytes_of_a_buffer_view_counts_the_view():
    buffer = bytes(8000)
    view = np.frombuffer(buffer, dtype=np.float64, count=100)
    assert 800 <= in_memory_bytes(view) < 8000


def test_size_breakdown_lists_every_step_and_a_total():
    pipe = _fit(DictVectorizer(), LogisticRegression())
    lines = size_breakdown(pipe)
    assert lines[0].split() == ["step", "type", "pickled", "bytes", "in-memory", "bytes"]
    assert [line.split()[0] for line in lines[2:]] == ["dictvectorizer", "logisticregression",
                                                       "total"]
    assert f"{pickled_bytes(pipe):,}" in lines[-1]
