import os
import stat
import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier

import sklearn_compress
from sklearn_compress import _cli, compress, load
from tests._synthetic import feature_dicts

X, Y = feature_dicts(300, seed=2)


@pytest.fixture
def model_file(tmp_path):
    pipe = make_pipeline(DictVectorizer(), LogisticRegression()).fit(X, Y)
    path = tmp_path / "model.joblib"
    joblib.dump(pipe, path)
    return path


def test_compress_writes_a_compressed_model(model_file, tmp_path, capsys):
    out = tmp_path / "small.joblib"
    assert _cli.main(["compress", str(model_file), str(out), "--bits", "6"]) == 0
    small = joblib.load(out)
    expected = compress(joblib.load(model_file), bits=6)
    np.testing.assert_array_equal(small.predict(X), expected.predict(X))
    printed = capsys.readouterr().out
    assert "DictVectorizer -> CompressedVectorizer" in printed
    assert "file: " in printed
    # no temporary file left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.joblib", "small.joblib"]


def test_inspect_prints_step_sizes(model_file, capsys):
    assert _cli.main(["inspect", str(model_file)]) == 0
    printed = capsys.readouterr().out
    assert "dictvectorizer" in printed
    assert "LogisticRegression" in printed
    assert "total" in printed


def _error_line(capsys):
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    return err


def test_missing_file_is_one_line_and_exit_2(tmp_path, capsys):
    assert _cli.main(["inspect", str(tmp_path / "nope.joblib")]) == 2
    assert "nope.joblib: no such file" in _error_line(capsys)


def test_unsupported_model_is_one_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "tree.joblib"
    joblib.dump(make_pipeline(DictVectorizer(), DecisionTreeClassifier()).fit(X, Y), path)
    assert _cli.main(["compress", str(path), str(tmp_path / "out.joblib")]) == 2
    assert "DecisionTreeClassifier" in _error_line(capsys)
    assert not (tmp_path / "out.joblib").exists()


def test_not_a_joblib_file(tmp_path, capsys):
    path = tmp_path / "junk.joblib"
    path.write_bytes(b"not a pickle")
    assert _cli.main(["inspect", str(path)]) == 2
    assert "junk.joblib: is not a model file (neither the safe format nor a joblib/pickle file)" \
        in _error_line(capsys)


def test_failed_write_keeps_the_old_file(model_file, tmp_path, capsys, monkeypatch):
    out = tmp_path / "small.joblib"
    out.write_bytes(b"previous good file")

    def broken_dump(obj, f):
        f.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_cli.joblib, "dump", broken_dump)
    assert _cli.main(["compress", str(model_file), str(out)]) == 2
    assert "No space left on device" in _error_line(capsys)
    assert out.read_bytes() == b"previous good file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.joblib", "small.joblib"]


def test_unwritable_destination(model_file, tmp_path, capsys):
    assert _cli.main(["compress", str(model_file), str(tmp_path / "no" / "dir.joblib")]) == 2
    assert "is not a directory" in _error_line(capsys)


def test_module_entry_point_help_warns_about_trust():
    result = subprocess.run([sys.executable, "-m", "sklearn_compress", "--help"],
                            capture_output=True, text=True, check=True)
    assert "only load files you trust" in result.stdout
    assert "compress" in result.stdout


def test_safe_format_chosen_by_extension(model_file, tmp_path, capsys):
    out = tmp_path / "small.skc"
    assert _cli.main(["compress", str(model_file), str(out)]) == 0
    loaded = load(out)
    np.testing.assert_array_equal(loaded.predict(X), compress(joblib.load(model_file)).predict(X))
    capsys.readouterr()
    assert _cli.main(["inspect", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "CompressedVectorizer" in printed and "QuantizedLinearModel" in printed


def test_corrupt_safe_file_is_one_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.skc"
    path.write_bytes(b"\x08" + b"\x00" * 7 + b"{}      ")
    assert _cli.main(["inspect", str(path)]) == 2
    assert "not a sklearn-compress model file" in _error_line(capsys)


def test_model_the_safe_format_cannot_hold(tmp_path, capsys):
    path = tmp_path / "model.joblib"
    pipe = make_pipeline(DictVectorizer(), FunctionTransformer(accept_sparse=True),
                         LogisticRegression()).fit(X, Y)
    joblib.dump(pipe, path)
    assert _cli.main(["compress", str(path), str(tmp_path / "out.skc")]) == 2
    assert "FunctionTransformer" in _error_line(capsys)


# -- one line naming the file and what it is, exit code 2 ------------------------------


def test_joblib_file_holding_an_array(tmp_path, capsys):
    path = tmp_path / "array.joblib"
    joblib.dump(np.arange(5), path)
    assert _cli.main(["inspect", str(path)]) == 2
    assert "array.joblib: holds a numpy.ndarray, not a scikit-learn model" in _error_line(capsys)


def test_html_file_is_not_a_model_file(tmp_path, capsys):
    path = tmp_path / "page.skc"
    path.write_text("<!DOCTYPE html><html><body>404</body></html>")
    assert _cli.main(["inspect", str(path)]) == 2
    assert "page.skc: is not a model file" in _error_line(capsys)


def test_joblib_file_named_skc_is_not_unpickled(model_file, tmp_path, capsys):
    path = tmp_path / "model.skc"
    path.write_bytes(model_file.read_bytes())
    assert _cli.main(["inspect", str(path)]) == 2
    assert ("model.skc: is a joblib/pickle file, not a safe model file: load it with joblib"
            in _error_line(capsys))


def test_safe_file_named_joblib_loads_safely(model_file, tmp_path, capsys):
    safe = tmp_path / "small.skc"
    assert _cli.main(["compress", str(model_file), str(safe)]) == 0
    renamed = tmp_path / "small.joblib"
    safe.rename(renamed)
    capsys.readouterr()
    assert _cli.main(["inspect", str(renamed)]) == 0
    assert "CompressedVectorizer" in capsys.readouterr().out


def test_directory_is_named_as_such(tmp_path, capsys):
    assert _cli.main(["inspect", str(tmp_path)]) == 2
    assert f"{tmp_path}: is a directory" in _error_line(capsys)


@pytest.mark.parametrize("suffix", [".skc", ".joblib"])
def test_already_compressed_model(model_file, tmp_path, capsys, suffix):
    small = tmp_path / f"small{suffix}"
    assert _cli.main(["compress", str(model_file), str(small)]) == 0
    capsys.readouterr()
    assert _cli.main(["compress", str(small), str(tmp_path / "smaller.skc")]) == 2
    assert f"small{suffix}: already compressed" in _error_line(capsys)
    assert not (tmp_path / "smaller.skc").exists()


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"sklearn-compress {sklearn_compress.__version__}"


@pytest.mark.parametrize("suffix", [".skc", ".joblib"])
def test_outputs_follow_the_umask(model_file, tmp_path, suffix):
    previous = os.umask(0o022)
    try:
        assert _cli.main(["compress", str(model_file), str(tmp_path / f"out{suffix}")]) == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / f"out{suffix}").stat().st_mode) == 0o644


def test_data_option_prints_fidelity_and_accuracy(model_file, tmp_path, capsys):
    import json

    X, y = feature_dicts(50, seed=3)
    data = tmp_path / "samples.jsonl"
    data.write_text("".join(json.dumps({"features": x, "intent": label}) + "\n"
                            for x, label in zip(X, y, strict=True)))
    out = tmp_path / "small.skc"
    assert _cli.main(["compress", str(model_file), str(out), "--data", str(data)]) == 0
    printed = capsys.readouterr().out
    assert "prediction agreement on 50 samples" in printed
    assert "largest change of predict_proba" in printed
    assert _cli.main(["inspect", str(out), "--data", str(data)]) == 0
    assert f"accuracy on the 50 samples of {data}" in capsys.readouterr().out
