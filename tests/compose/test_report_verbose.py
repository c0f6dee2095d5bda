"""compression_report() and compress(): verbose=, and the same numbers from the fast paths."""

import io
import pickle
import re
import sys
from dataclasses import replace

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_compress import compress, compression_report
from sklearn_compress.compose import _compress
from sklearn_compress.compose._fidelity import calibration_magnitude, measure_fidelity
from sklearn_compress.compose._progress import Progress
from sklearn_compress.compose._report import in_memory_bytes, pickled_bytes
from tests._synthetic import feature_dicts

X_TRAIN, Y_TRAIN = feature_dicts(600, seed=0)
X_TEST, Y_TEST = feature_dicts(300, seed=1)
LINE = re.compile(r"^\[sklearn-compress\] .+ \(\d+\.\d s\)$")


@pytest.fixture(scope="module")
def pipe():
    return make_pipeline(DictVectorizer(), TfidfTransformer(), LogisticRegression()).fit(
        X_TRAIN, Y_TRAIN)


@pytest.fixture(scope="module")
def small(pipe):
    return compress(pipe)


def _walked_bytes(obj):
    """in_memory_bytes as it was first written: one Python step per object (the oracle)."""
    seen, stack, total = set(), [obj], 0
    while stack:
        item = stack.pop()
        if isinstance(item, type) or (callable(item) and not hasattr(item, "__dict__")):
            continue
        if isinstance(item, np.ndarray):
            base = item
            while isinstance(base.base, np.ndarray):
                base = base.base
            if id(base) not in seen:
                seen.add(id(base))
                total += base.nbytes
            continue
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if sparse.issparse(item):
            stack.extend(a for a in (getattr(item, n, None) for n in
                                     ("data", "indices", "indptr", "row", "col"))
                         if a is not None)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif hasattr(item, "__dict__") and not isinstance(item, type(sys)):
            stack.append(item.__dict__)
    return total


class _Holder:
    def __init__(self, **attributes):
        self.__dict__.update(attributes)


def _mixed_objects():
    words = [f"word{i}" for i in range(50)]
    array = np.arange(100.0)
    return [
        {word: index for index, word in enumerate(words)},
        words,  # the same strings again, as vocabulary_ and feature_names_
        (1, 1.5, 2**70, None, True, b"raw", 3j, "x" * 100, words[3]),
        {frozenset({"a", "b"}), ("nested", ("tuple", words[0]))},
        [array, array[10:], np.float64(2.5), _Holder(a=array, b=words, c={"k": [1, 2]})],
        sparse.random(20, 30, density=0.2, format="csr", random_state=0),
        sparse.random(20, 30, density=0.2, format="coo", random_state=0),
        _Holder(itself=None, more=[_Holder(x="y" * 7, z=words)]),
        len,  # a builtin: not counted
        int,  # a class: not counted
    ]


@pytest.mark.parametrize("name", ["mixed", "pipeline", "compressed", "selector"])
def test_in_memory_bytes_equals_the_object_by_object_walk(name, pipe, small):
    objects = {
        "mixed": lambda: _mixed_objects(),
        "pipeline": lambda: pipe,
        "compressed": lambda: small,
        "selector": lambda: make_pipeline(DictVectorizer(), SelectKBest(chi2, k=20),
                                          LogisticRegression()).fit(X_TRAIN, Y_TRAIN),
    }
    obj = objects[name]()
    assert in_memory_bytes(obj) == _walked_bytes(obj)


@pytest.mark.parametrize("name", ["mixed", "pipeline", "compressed"])
def test_pickled_bytes_is_the_length_of_the_pickle(name, pipe, small):
    obj = {"mixed": _mixed_objects()[:-2], "pipeline": pipe, "compressed": small}[name]
    assert pickled_bytes(obj) == len(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    big = np.arange(300_000.0)  # written out of the pickle's frames
    assert pickled_bytes([obj, big]) == len(pickle.dumps([obj, big], protocol=5))


def test_in_memory_bytes_with_seen_skips_and_records():
    words = [f"w{i}" for i in range(10)]
    seen = set()
    first = in_memory_bytes(words, seen)
    assert first == _walked_bytes(words)
    assert in_memory_bytes(words, seen) == 0
    assert in_memory_bytes([words, "new" * 5], seen) == (
        sys.getsizeof([words, "new" * 5]) + sys.getsizeof("new" * 5))


def test_in_memory_bytes_counts_a_string_shared_by_containers_once():
    word = "".join(["shared", "-string"])  # built at run time: not interned
    inner, mapping = [word], {word: word}
    outer = [word, inner, mapping]
    assert in_memory_bytes(outer) == (sys.getsizeof(outer) + sys.getsizeof(word)
                                      + sys.getsizeof(inner) + sys.getsizeof(mapping))


def test_report_figures_equal_those_of_the_whole_pipelines(pipe, small):
    report = compression_report(pipe, small, X_TEST, Y_TEST)
    assert report.fidelity == measure_fidelity(pipe, small, X_TEST)
    assert report.score_original == float(pipe.score(X_TEST, Y_TEST))
    assert report.score_compressed == float(small.score(X_TEST, Y_TEST))
    # Sizes before any transform (which may add attributes to a step).
    expected = [_walked_bytes(pipe), *(_walked_bytes(step) for _, step in small.steps)]
    sizes = compression_report(pipe, small)
    assert [sizes.total.memory_original, *(step.memory_compressed for step in sizes.steps)] == (
        expected)


def test_report_prints_nothing_by_default(pipe, small, capsys):
    compression_report(pipe, small, X_TEST, Y_TEST)
    assert capsys.readouterr() == ("", "")


def test_report_verbose_prints_one_timed_line_per_step(pipe, small, capsys):
    quiet = compression_report(pipe, small, X_TEST, Y_TEST)
    loud = compression_report(pipe, small, X_TEST, Y_TEST, verbose=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert all(LINE.match(line) for line in lines), lines
    assert [line[len("[sklearn-compress] "):line.rindex(" (")] for line in lines] == [
        "sizes of step 'dictvectorizer'",
        "sizes of step 'tfidftransformer'",
        "sizes of step 'logisticregression'",
        "sizes of the whole model",
        "bytes of the compressed file (save())",
        "outputs of the original on 300 samples",
        "outputs of the compressed model on 300 samples",
        "scores",
    ]
    assert "\r" not in captured.err  # no bar: stderr is no terminal here
    # (In-memory sizes are left out: predicting moves them by a few bytes.)
    for name in ("fidelity", "score_original", "score_compressed", "settings",
                 "file_compressed"):
        assert getattr(loud, name) == getattr(quiet, name)
    assert [step.pickled_compressed for step in loud.steps] == [
        step.pickled_compressed for step in quiet.steps]


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_report_draws_a_bar_over_the_steps_on_a_terminal(pipe, small, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    compression_report(pipe, small, verbose=1)
    text = terminal.getvalue()
    assert "\r[sklearn-compress] step sizes [" + "." * 30 + "] 0/3" in text
    assert "\r[sklearn-compress] step sizes [" + "#" * 20 + "." * 10 + "] 2/3" in text
    # Each line starts on a cleared line; no bar is left behind.
    assert text.count("\r\033[K") == 3
    assert text.endswith("s)\n")


def test_progress_prints_nothing_when_not_verbose():
    stream = _Terminal()
    progress = Progress(0, stream)
    progress("a line")
    progress.bar(1, 2, "bar")
    with progress.step("a step"):
        pass
    progress.done()
    assert stream.getvalue() == ""


@pytest.mark.parametrize("verbose", [-1, "yes", 1.5, None])
def test_report_verbose_must_be_an_int_or_a_bool(pipe, small, verbose):
    with pytest.raises(ValueError, match="The 'verbose' parameter of compression_report must "
                                         "be an int in the range \\[0, inf\\), an instance of "
                                         f"'bool' or an instance of 'numpy.bool'. Got {verbose!r}"):
        compression_report(pipe, small, verbose=verbose)


@pytest.mark.parametrize("verbose", [-1, "yes", 1.5, None])
def test_compress_verbose_must_be_an_int_or_a_bool(pipe, verbose):
    with pytest.raises(ValueError, match="The 'verbose' parameter of compress must be an int"):
        compress(pipe, verbose=verbose)


def test_compress_verbose_without_a_sample(pipe, capsys):
    compressed = compress(pipe, verbose=2)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and LINE.match(lines[0])
    assert lines[0].startswith("[sklearn-compress] compressed the model (")
    assert pickle.dumps(compressed) == pickle.dumps(compress(pipe))
    assert capsys.readouterr().err == ""


def test_compress_verbose_with_a_sample(pipe, capsys):
    compressed = compress(pipe, X_TEST, verbose=1)
    lines = capsys.readouterr().err.splitlines()
    assert all(LINE.match(line) for line in lines[:-1]), lines
    assert [line[len("[sklearn-compress] "):line.rindex(" (")] for line in lines[:-1]] == [
        "outputs of the original on the 300 samples of X",
        "largest value of each feature on X",
        "compressed the model",
        "outputs of the compressed model on X",
    ]
    agreement = measure_fidelity(pipe, compressed, X_TEST).agreement
    assert lines[-1] == (f"[sklearn-compress] agreement on the 300 samples of X: "
                         f"{100 * agreement:.2f}%")


def test_compress_with_a_sample_builds_the_same_model(pipe):
    # The calibration magnitudes come from one transform of X shared with the
    # reference outputs; the model must be the one the whole pipeline's gives.
    options = _compress.CompressOptions(8, True, "auto", 1.0, 0, "global")
    expected = _compress._compress_model(
        pipe, replace(options, calibration_magnitude=calibration_magnitude(pipe, X_TEST)))
    assert pickle.dumps(compress(pipe, X_TEST)) == pickle.dumps(expected)
