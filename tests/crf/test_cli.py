"""The command line compresses a pickled sklearn_crfsuite.CRF."""

import joblib

import sklearn_compress
from sklearn_compress._cli import main


def test_compress_a_pickled_crf(synthetic_crf, tmp_path, capsys):
    crf, X, _ = synthetic_crf
    joblib.dump(crf, tmp_path / "crf.joblib")
    assert main(["compress", str(tmp_path / "crf.joblib"), str(tmp_path / "tagger.skc")]) == 0
    output = capsys.readouterr().out
    assert "CRF -> CompressedCRF" in output
    tagger = sklearn_compress.load(tmp_path / "tagger.skc")
    assert tagger.predict(X).tolist() == sklearn_compress.compress(crf).predict(X).tolist()
    assert main(["inspect", str(tmp_path / "tagger.skc")]) == 0
    assert "CompressedCRF" in capsys.readouterr().out
