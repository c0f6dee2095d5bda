import copy
import json
import mmap
import os
import random
import stat
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.feature_selection import VarianceThreshold
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler, Normalizer, StandardScaler

from sklearn_compress import (
    CompressedTextVectorizer,
    CompressedVectorizer,
    MinimalPerfectHash,
    QuantizedLinearModel,
    compress,
    load,
    save,
)
from sklearn_compress._tables import (
    N_FEATURES_IN,
    NAME,
    OBJECT,
    STEP,
    TEMPLATE,
    VALUE,
    Codec,
    dict_of,
    list_of,
    tuple_of,
)
from sklearn_compress.io import _persist, _safetensors
from tests._synthetic import feature_dicts

X, Y = feature_dicts(400, seed=0)
X_TEST, _ = feature_dicts(200, seed=1)


def _pipelines():
    yield "dv+lr", compress(make_pipeline(DictVectorizer(), LogisticRegression()).fit(X, Y))
    yield "dv+tfidf+sgd", compress(make_pipeline(
        DictVectorizer(), TfidfTransformer(), SGDClassifier(loss="modified_huber",
                                                            random_state=0)).fit(X, Y))
    yield "dv+variance+scaler+normalizer+lr(per_class)", compress(make_pipeline(
        DictVectorizer(), VarianceThreshold(0.001), StandardScaler(with_mean=False),
        Normalizer(), LogisticRegression()).fit(X, Y), per_class=True, bits=5)
    yield "dv+maxabs+normalizer+ridge", compress(make_pipeline(
        DictVectorizer(), MaxAbsScaler(), Normalizer(), Ridge()).fit(X, np.arange(len(Y)) % 5))
    # Members of two layouts (dense and feature lists): a stacked list of two groups.
    yield "dv+ovr(lr)", compress(make_pipeline(
        DictVectorizer(), OneVsRestClassifier(LogisticRegression())).fit(X, Y), sparsity=0.3)


PIPELINES = dict(_pipelines())


def _outputs(model):
    outputs = [model.predict(X_TEST)]
    for method in ("decision_function", "predict_proba"):
        if hasattr(model, method):
            outputs.append(getattr(model, method)(X_TEST))
    return outputs


@pytest.mark.parametrize("name", sorted(PIPELINES))
@pytest.mark.parametrize("mmap", [True, False])
def test_pipelines_round_trip_with_identical_predictions(tmp_path, name, mmap):
    model = PIPELINES[name]
    path = tmp_path / "model.skc"
    save(model, path)
    loaded = load(path, mmap=mmap)
    assert [n for n, _ in loaded.steps] == [n for n, _ in model.steps]
    for expected, actual in zip(_outputs(model), _outputs(loaded), strict=True):
        np.testing.assert_array_equal(actual, expected)
    assert _plain_params(loaded) == _plain_params(model)


def _plain_params(model):
    # estimators compare by identity: compare their parameters instead
    return {k: v for k, v in model.get_params(deep=True).items()
            if not hasattr(v, "get_params") and k != "steps"}


def test_other_objects_round_trip(tmp_path):
    pipe = PIPELINES["dv+lr"]
    vectorizer, model = pipe.steps[0][1], pipe.steps[-1][1]
    Xv = vectorizer.transform(X_TEST)
    for obj, check in [
        (vectorizer, lambda o: (o.transform(X_TEST) != Xv).nnz == 0),
        (model, lambda o: np.array_equal(o.predict(Xv), model.predict(Xv))),
        (vectorizer.mph_, lambda o: np.array_equal(o.lookup(["a", "b"]),
                                                   vectorizer.mph_.lookup(["a", "b"]))),
    ]:
        save(obj, tmp_path / "obj.skc")
        loaded = load(tmp_path / "obj.skc")
        assert type(loaded) is type(obj)
        assert check(loaded)


@pytest.mark.parametrize(("large", "refused"), [((1e308,), False), ((1e308, -1e308), True)])
def test_intercepts_load_while_their_magnitudes_sum_to_a_float(tmp_path, large, refused):
    # One intercept of 1e308 among several: the sum of magnitudes is finite,
    # although (number of outputs) x (largest magnitude) is not.
    model = copy.deepcopy(PIPELINES["dv+lr"])
    final = model.steps[-1][1]
    final.intercept_ = final.intercept_.copy()
    final.intercept_[:len(large)] = large
    path = tmp_path / "m.skc"
    if refused:
        with pytest.raises(ValueError, match=r"model\.logisticregression: intercept_ is too large"):
            save(model, path)
        return
    save(model, path)
    np.testing.assert_array_equal(load(path).decision_function(X_TEST),
                                  model.decision_function(X_TEST))


def test_union_as_last_step_with_a_passthrough_branch_round_trips(tmp_path):
    # Nothing follows the union, so its output width (unknown for a branch that
    # only passes its input through) is not checked: the pipeline saves and loads.
    X = np.random.default_rng(0).random((6, 3))
    pipe = Pipeline([("union", FeatureUnion([("same", Pipeline([("p", "passthrough")])),
                                             ("scaled", MaxAbsScaler())]))]).fit(X)
    save(pipe, tmp_path / "m.skc")
    np.testing.assert_array_equal(load(tmp_path / "m.skc").transform(X), pipe.transform(X))


def test_mmap_arrays_are_read_only_views(tmp_path):
    save(PIPELINES["dv+lr"], tmp_path / "m.skc")
    loaded = load(tmp_path / "m.skc", mmap=True)
    codes = loaded.steps[-1][1].codes_
    assert not codes.flags.writeable
    assert not codes.flags.owndata


def test_file_written_in_another_process(tmp_path):
    path = tmp_path / "other.skc"
    script = textwrap.dedent(f"""
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn_compress import compress, save
        from tests._synthetic import feature_dicts
        X, Y = feature_dicts(400, seed=0)
        save(compress(make_pipeline(DictVectorizer(), LogisticRegression()).fit(X, Y)),
             {str(path)!r})
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=os.getcwd())
    loaded = load(path)
    np.testing.assert_array_equal(loaded.predict(X_TEST), PIPELINES["dv+lr"].predict(X_TEST))


def test_same_fit_in_another_process_gives_byte_identical_files(tmp_path):
    # Determinism across processes: another string-hash seed (set and dict
    # order of str keys), fresh fits, then compress() and save() of each pipeline.
    script = textwrap.dedent(f"""
        from pathlib import Path
        from sklearn_compress import save
        from tests.io.test_persist import PIPELINES
        for name, model in PIPELINES.items():
            save(model, Path({str(tmp_path)!r}) / f"other-{{name}}.skc")
    """)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", script], check=True, cwd=os.getcwd(), env=env)
    for name, model in PIPELINES.items():
        save(model, tmp_path / f"here-{name}.skc")
        here = (tmp_path / f"here-{name}.skc").read_bytes()
        assert (tmp_path / f"other-{name}.skc").read_bytes() == here, name


def test_eight_threads_predict_like_one(tmp_path):
    save(PIPELINES["dv+tfidf+sgd"], tmp_path / "m.skc")
    loaded = load(tmp_path / "m.skc")
    samples = [X_TEST[i::8] for i in range(8)]
    serial = [loaded.predict_proba(s) for s in samples]
    results = [None] * 8

    def work(i):
        for _ in range(20):
            results[i] = loaded.predict_proba(samples[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for expected, actual in zip(serial, results, strict=True):
        np.testing.assert_array_equal(actual, expected)


def test_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.skc"
    save(PIPELINES["dv+lr"], path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(_safetensors.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        save(PIPELINES["dv+tfidf+sgd"], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.skc"]
    load(path)


def test_unsupported_objects_point_to_joblib(tmp_path):
    pipe = make_pipeline(DictVectorizer(), FunctionTransformer(accept_sparse=True),
                         LogisticRegression()).fit(X, Y)
    with pytest.raises(ValueError, match=r"model.dictvectorizer: DictVectorizer cannot be saved "
                                         r"in the safe format \(supported: .*\); use joblib"):
        save(pipe, tmp_path / "m.skc")
    model = QuantizedLinearModel(LogisticRegression(class_weight={"weather": 2.0})).fit(
        DictVectorizer().fit_transform(X), Y)
    save(model, tmp_path / "ok.skc")  # a dict parameter is fine
    assert load(tmp_path / "ok.skc").estimator.class_weight == {"weather": 2.0}
    assert not (tmp_path / "m.skc").exists()


def test_callable_parameter_points_to_joblib(tmp_path):
    model = QuantizedLinearModel(SGDClassifier(random_state=0)).fit(
        DictVectorizer(sparse=False).fit_transform(X), Y)
    model.bits = len  # a callable where a plain value belongs
    with pytest.raises(ValueError, match=r"parameter 'bits' .* is a callable.*joblib"):
        save(model, tmp_path / "m.skc")


# -- crafted and corrupted files --------------------------------------------------------


def _parts(path):
    return _safetensors.read_safetensors(path, use_mmap=False)


def _rewrite(path, tensors, metadata, resign=True):
    """Write a file with a recomputed digest (``resign``), else the old one kept."""
    digest = tensors.get("__digest__")
    tensors = {k: np.array(v) for k, v in tensors.items() if not k.startswith("__")}
    if resign:
        _safetensors.write_safetensors(path, tensors, metadata, _persist._trailers(None))
    else:
        _safetensors.write_safetensors(path, {**tensors, "__digest__": digest}, metadata)


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "m.skc"
    save(PIPELINES["dv+variance+scaler+normalizer+lr(per_class)"], path)
    return path


def _edit_structure(path, edit):
    tensors, metadata = _parts(path)
    tree = json.loads(metadata["structure"])
    edit(tree)
    _rewrite(path, tensors, {**metadata, "structure": json.dumps(tree)})


def _steps(tree):
    return tree["nested"]["steps"]


def _model_node(tree):
    return _steps(tree)[-1][1]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.update({"class": "SimpleImputer"}), "not in the allow-list"),
        (lambda t: _steps(t)[0][1].update({"class": "os.system"}), "not in the allow-list"),
        (lambda t: _model_node(t)["params"].update({"bits": 99}), "invalid parameters"),
        (lambda t: _model_node(t)["params"].update({"bits": {"eval": "1"}}), "unreadable param"),
        (lambda t: _model_node(t)["fitted"].update({"n_outputs_": 3}), r"codes of shape .* 3 out"),
        (lambda t: _model_node(t)["fitted"]["classes_"]["strings"].pop(), "outputs for 3 classes"),
        (lambda t: _model_node(t)["fitted"].update({"link_": "exec"}), "is not one of"),
        (lambda t: _model_node(t)["fitted"].update({"n_features_in_": -1}), "is not a int"),
        (lambda t: _model_node(t)["fitted"].update({"__class__": 1}), "unexpected fitted"),
        (lambda t: _steps(t)[0][1]["fitted"].update({"n_features_out_": 7}), "slots of the hash"),
        (lambda t: _steps(t)[0][1]["fitted"]["mph_"]["fitted"].update({"n_keys": 5}), "n_keys"),
        (lambda t: _steps(t)[0][1]["fitted"]["mph_"]["fitted"].update({"gamma": 0.5}), "gamma"),
        (lambda t: _steps(t)[2][1]["fitted"].update({"scale_": None}), "not referenced"),
        (lambda t: _steps(t).append(_steps(t)[0]), "used twice"),
        (lambda t: t["nested"].update({"steps": "x"}), "model.steps: expected a list"),
        (lambda t: _steps(t)[3][1]["fitted"].update({"n_features_in_": 5}),
         r"step 'normalizer' expects 5 features, gets \d+"),
    ],
)
def test_crafted_structures_are_refused(saved, edit, message):
    _edit_structure(saved, edit)
    with pytest.raises(ValueError, match=message):
        load(saved)


def test_swapped_arrays_fail_the_digest(saved):
    tensors, metadata = _parts(saved)
    names = sorted(n for n in tensors if n.endswith(("scale_", "var_")))
    a, b = names[:2]
    tensors[a], tensors[b] = tensors[b], tensors[a]
    _rewrite(saved, tensors, metadata, resign=False)
    with pytest.raises(ValueError, match="digest mismatch"):
        load(saved)


def test_swapped_and_resigned_arrays_are_refused(saved):
    tensors, metadata = _parts(saved)
    codes = next(n for n in tensors if n.endswith("codes_"))
    indptr = next(n for n in tensors if n.endswith("intercept_"))
    tensors[codes], tensors[indptr] = tensors[indptr], tensors[codes]
    _rewrite(saved, tensors, metadata)  # re-signed: only the checks can tell
    with pytest.raises(ValueError, match="expected a"):
        load(saved)


def test_newer_format_version_names_the_versions(saved):
    tensors, metadata = _parts(saved)
    _rewrite(saved, tensors, {**metadata, "format_version": "7", "library_version": "9.0"})
    with pytest.raises(ValueError, match=r"version 7 was written by sklearn-compress 9.0.*"
                                         r"upgrade sklearn-compress"):
        load(saved)


def test_other_safetensors_files_are_refused(tmp_path):
    path = tmp_path / "weights.safetensors"
    path.write_bytes(safetensors.numpy.save({"w": np.zeros(3)}))
    with pytest.raises(ValueError, match="not a sklearn-compress model file"):
        load(path)


def _section_boundaries(data):
    header_length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8: 8 + header_length])
    header.pop("__metadata__")
    ends = {8 + header_length + e["data_offsets"][1] for e in header.values()}
    return sorted({0, 1, 7, 8, 9, 8 + header_length // 2, 8 + header_length} | ends)


def test_truncation_at_every_section_boundary(saved):
    data = saved.read_bytes()
    for cut in _section_boundaries(data):
        if cut >= len(data):
            continue
        saved.write_bytes(data[:cut])
        with pytest.raises(ValueError):
            load(saved)


def test_huge_declared_sizes(saved):
    data = saved.read_bytes()
    saved.write_bytes((2**63).to_bytes(8, "little") + data[8:])
    with pytest.raises(ValueError, match="header length"):
        load(saved)
    header_length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8: 8 + header_length])
    name = next(n for n in header if n != "__metadata__")
    header[name]["shape"] = [2**40, 2**40]
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    saved.write_bytes(len(text).to_bytes(8, "little") + text + data[8 + header_length:])
    with pytest.raises(ValueError, match="does not fill"):
        load(saved)


FUZZ_CASES = int(os.environ.get("SKLEARN_COMPRESS_FUZZ_CASES", "300"))


def test_fuzz_mutations_are_all_refused(saved):
    """Random bit flips, byte edits, truncations and splices of a valid file.

    Every byte is covered by the digest, so none may load. A longer run:
    SKLEARN_COMPRESS_FUZZ_CASES=10000 python -m pytest tests/io/test_persist.py -k fuzz
    """
    original = saved.read_bytes()
    rng = random.Random(0)
    for case in range(FUZZ_CASES):
        data = bytearray(original)
        kind = case % 4
        if kind == 0:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif kind == 1:
            position = rng.randrange(len(data))
            data[position: position + 8] = bytes(rng.randrange(256) for _ in range(8))
        elif kind == 2:
            data = data[: rng.randrange(len(data))]
        else:
            start = rng.randrange(len(data))
            data = data[:start] + data[start + rng.randint(1, 64):]
        if data == original:
            continue
        saved.write_bytes(bytes(data))
        with pytest.raises(ValueError):
            load(saved, mmap=bool(case % 2))


HEADER_VALUES = os.environ.get("SKLEARN_COMPRESS_HEADER_VALUES", "1")


def test_every_single_byte_change_in_the_header_is_refused(tmp_path):
    """Each byte of the length field and the JSON header, changed to another value.

    By default one random other value per byte; SKLEARN_COMPRESS_HEADER_VALUES=all
    tries all 255 (a few minutes).
    """
    saved = tmp_path / "m.skc"
    save(PIPELINES["dv+lr"], saved)
    original = saved.read_bytes()
    header_end = 8 + int.from_bytes(original[:8], "little")
    rng = random.Random(1)
    data = bytearray(original)
    for position in range(header_end):
        values = range(1, 256) if HEADER_VALUES == "all" else [rng.randrange(1, 256)]
        for delta in values:
            data[position] = original[position] ^ delta
            saved.write_bytes(data)
            with pytest.raises(ValueError):
                load(saved, mmap=False)
        data[position] = original[position]


def test_vectorizer_and_hash_round_trip_keep_lookups(tmp_path):
    vectorizer = CompressedVectorizer(fingerprint_bits=12).fit(X)
    save(vectorizer, tmp_path / "v.skc")
    loaded = load(tmp_path / "v.skc", mmap=False)
    assert isinstance(loaded.mph_, MinimalPerfectHash)
    assert (loaded.transform(X_TEST) != vectorizer.transform(X_TEST)).nnz == 0


TEXTS = [f"play {word} by the {band} please" for word in ("jazz", "rock", "songs", "music")
         for band in ("beatles", "band", "queen")] + [
    f"set an alarm for {hour} {period}" for hour in range(1, 7) for period in ("am", "pm")]
TEXT_LABELS = ["play"] * 12 + ["alarm"] * 12


@pytest.mark.parametrize("vectorizer", [
    TfidfVectorizer(ngram_range=(1, 2)),
    CountVectorizer(analyzer="char_wb", ngram_range=(2, 3), binary=True),
    TfidfVectorizer(use_idf=False, stop_words=["the", "an"], dtype=np.float32),
])
@pytest.mark.parametrize("mmap", [True, False])
def test_text_pipelines_round_trip(tmp_path, vectorizer, mmap):
    pipe = compress(make_pipeline(vectorizer, LogisticRegression()).fit(TEXTS, TEXT_LABELS))
    save(pipe, tmp_path / "text.skc")
    loaded = load(tmp_path / "text.skc", mmap=mmap)
    queries = [*TEXTS, "play something new", "alarm at noon"]
    np.testing.assert_array_equal(loaded.predict_proba(queries), pipe.predict_proba(queries))
    assert (loaded[0].transform(queries) != pipe[0].transform(queries)).nnz == 0


def test_custom_tokenizer_cannot_be_saved(tmp_path):
    pipe = compress(make_pipeline(TfidfVectorizer(tokenizer=str.split, token_pattern=None),
                                  LogisticRegression()).fit(TEXTS, TEXT_LABELS))
    with pytest.raises(ValueError, match=r"parameter 'tokenizer' .* is a callable.*joblib"):
        save(pipe, tmp_path / "text.skc")
    assert not (tmp_path / "text.skc").exists()


def test_crafted_idf_codes_are_refused(tmp_path):
    pipe = compress(make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(TEXTS,
                                                                               TEXT_LABELS))
    path = tmp_path / "text.skc"
    save(pipe, path)
    tensors, metadata = _parts(path)
    name = next(n for n in tensors if n.endswith("idf_codes_"))
    tensors[name] = np.full_like(tensors[name], 200)
    _rewrite(path, tensors, metadata)
    with pytest.raises(ValueError, match="idf codes beyond the idf table"):
        load(path)


# -- the walker: children declared as an object, a list, a dict or tuples ---------------


class _Ensemble(BaseEstimator):
    """A stand-in for OneVsRestClassifier-like containers: lists and dicts of fitted objects."""

    def __init__(self, *, estimator=None, weight=1.0):
        self.estimator = estimator
        self.weight = weight

    _parameter_constraints: dict = {"estimator": [None, object], "weight": [float]}


_ENSEMBLE_CODEC = Codec(
    _Ensemble,
    param_children={"estimator": TEMPLATE},
    children={"estimators_": list_of(OBJECT), "by_name_": dict_of(OBJECT),
              "columns_": list_of(tuple_of(NAME, STEP, VALUE))},
    numbers=N_FEATURES_IN,
)


@pytest.fixture
def ensemble_codec(monkeypatch):
    monkeypatch.setitem(_persist._CODECS, "_Ensemble", _ENSEMBLE_CODEC)


def _fitted_ensemble():
    pipe = PIPELINES["dv+lr"]
    ensemble = _Ensemble(estimator=LogisticRegression(C=2.0), weight=0.5)
    ensemble.estimators_ = [pipe[0], pipe[-1]]
    ensemble.by_name_ = {"vectorizer": pipe[0], "pipeline": PIPELINES["dv+tfidf+sgd"]}
    ensemble.columns_ = [("text", pipe[0], ["a", "b"]), ("rest", "passthrough", [3, 4])]
    ensemble.n_features_in_ = 2
    return ensemble


def test_walker_round_trips_lists_dicts_and_tuples_of_objects(tmp_path, ensemble_codec):
    ensemble = _fitted_ensemble()
    save(ensemble, tmp_path / "e.skc")
    loaded = load(tmp_path / "e.skc")
    assert loaded.estimator.C == 2.0 and loaded.weight == 0.5
    assert [type(e).__name__ for e in loaded.estimators_] == ["CompressedVectorizer",
                                                              "QuantizedLinearModel"]
    assert set(loaded.by_name_) == {"vectorizer", "pipeline"}
    np.testing.assert_array_equal(loaded.by_name_["pipeline"].predict_proba(X_TEST),
                                  PIPELINES["dv+tfidf+sgd"].predict_proba(X_TEST))
    assert [(n, c) for n, _, c in loaded.columns_] == [("text", ["a", "b"]), ("rest", [3, 4])]
    assert loaded.columns_[1][1] == "passthrough"
    assert (loaded.columns_[0][1].transform(X_TEST)
            != ensemble.columns_[0][1].transform(X_TEST)).nnz == 0


@pytest.mark.parametrize(("edit", "message"), [
    (lambda f: f.update({"estimators_": {"0": f["estimators_"][0]}}), "expected a list"),
    (lambda f: f.update({"by_name_": [f["by_name_"]["vectorizer"]]}), "expected a dict"),
    (lambda f: f["columns_"][0].pop(), "expected a tuple of 3"),
    (lambda f: f["columns_"][1].__setitem__(1, {"value": "drop"}), "unknown value 'drop'"),
    (lambda f: f["estimators_"].append({"value": "passthrough"}), "unknown value"),
    (lambda f: f["by_name_"].update({"x" * 600: f["by_name_"]["vectorizer"]}), "longer than"),
])
def test_walker_refuses_other_shapes(tmp_path, ensemble_codec, edit, message):
    save(_fitted_ensemble(), tmp_path / "e.skc")
    _edit_structure(tmp_path / "e.skc", lambda tree: edit(tree["fitted"]))
    with pytest.raises(ValueError, match=message):
        load(tmp_path / "e.skc")


def test_walker_refuses_to_save_other_shapes(tmp_path, ensemble_codec):
    ensemble = _fitted_ensemble()
    ensemble.estimators_ = tuple(ensemble.estimators_)
    with pytest.raises(ValueError, match=r"model.estimators_: expected a list of objects, got "
                                         "tuple"):
        save(ensemble, tmp_path / "e.skc")


def test_template_position_only_holds_templates(tmp_path, ensemble_codec):
    save(_fitted_ensemble(), tmp_path / "e.skc")
    _edit_structure(tmp_path / "e.skc", lambda tree: tree["fitted"]["estimators_"].append(
        tree["nested"]["estimator"]))
    with pytest.raises(ValueError, match="LogisticRegression is stored only as the unfitted "
                                         "template"):
        load(tmp_path / "e.skc")


def test_nested_pipelines_round_trip(tmp_path):
    inner = PIPELINES["dv+maxabs+normalizer+ridge"]
    outer = Pipeline([("inner", Pipeline(inner.steps[:2])), ("rest", Pipeline(inner.steps[2:]))])
    save(outer, tmp_path / "n.skc")
    np.testing.assert_array_equal(load(tmp_path / "n.skc").predict(X_TEST), inner.predict(X_TEST))


def test_deep_nesting_is_refused_at_save_and_load(tmp_path):
    model = PIPELINES["dv+lr"]
    for _ in range(9):
        model = Pipeline([("p", model)])
    with pytest.raises(ValueError, match="nested more than 8 deep"):
        save(model, tmp_path / "deep.skc")
    assert not (tmp_path / "deep.skc").exists()


def test_fitted_uncompressed_model_is_refused_at_save(tmp_path):
    path = tmp_path / "m.skc"
    save(PIPELINES["dv+lr"], path)
    before = path.read_bytes()
    fitted = LogisticRegression().fit(DictVectorizer().fit_transform(X), Y)
    with pytest.raises(ValueError, match=r"a fitted LogisticRegression is not a compressed "
                                         r"model: compress\(\) it first .* or save it with joblib"):
        save(fitted, path)
    assert path.read_bytes() == before
    with pytest.raises(ValueError, match="stored only as the unfitted template"):
        save(LogisticRegression(), path)


def test_format_version_1_is_refused_with_a_clear_message():
    # Written by sklearn-compress 0.1 (format 1) from a 4-sample DictVectorizer +
    # LogisticRegression pipeline; 3 kB.
    path = Path(__file__).parent / "data" / "format_v1.skc"
    with pytest.raises(ValueError, match=r"format version 1 \(written by sklearn-compress "
                                         r"[\w.]+\) is no longer read: .* Compress the original "
                                         r"model again"):
        load(path)


# -- signatures, umask, special files, concurrent replacement ---------------------------


def test_signed_files_load_only_with_their_key(tmp_path):
    path = tmp_path / "signed.skc"
    save(PIPELINES["dv+lr"], path, key=b"deployer secret")
    expected = PIPELINES["dv+lr"].predict(X_TEST)
    np.testing.assert_array_equal(load(path, key=b"deployer secret").predict(X_TEST), expected)
    np.testing.assert_array_equal(load(path).predict(X_TEST), expected)  # digest still checked
    with pytest.raises(ValueError, match="signature does not match the key"):
        load(path, key=b"another secret")
    save(PIPELINES["dv+lr"], tmp_path / "unsigned.skc")
    with pytest.raises(ValueError, match="not signed, and a key was given"):
        load(tmp_path / "unsigned.skc", key=b"deployer secret")


def test_tampered_signed_file_is_refused_even_with_a_recomputed_digest(tmp_path):
    path = tmp_path / "signed.skc"
    save(PIPELINES["dv+lr"], path, key=b"k")
    tensors, metadata = _parts(path)
    signature = tensors.pop("__signature__")
    tree = json.loads(metadata["structure"])
    _model_node(tree)["fitted"]["classes_"]["strings"][0] = "hijacked"
    metadata = {**metadata, "structure": json.dumps(tree)}
    digest = _persist._trailers(None)[0]
    # Re-sealed by an attacker: a valid digest, the old signature.
    tensors = {k: v for k, v in tensors.items() if not k.startswith("__")}
    copied = bytes(signature)  # an attacker copying an old signature
    _safetensors.write_safetensors(path, {**tensors}, metadata, [
        digest, _safetensors.Trailer("__signature__", len(copied), lambda _: copied)])
    assert load(path).classes_[0] == "hijacked"  # what a reader without a key gets
    with pytest.raises(ValueError, match="signature does not match"):
        load(path, key=b"k")


def test_keys_must_be_non_empty_bytes(tmp_path):
    with pytest.raises(TypeError, match="key must be bytes"):
        save(PIPELINES["dv+lr"], tmp_path / "m.skc", key="text")
    with pytest.raises(ValueError, match="must not be empty"):
        save(PIPELINES["dv+lr"], tmp_path / "m.skc", key=b"")


def test_saved_files_follow_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        save(PIPELINES["dv+lr"], tmp_path / "m.skc")
        os.umask(0o077)
        save(PIPELINES["dv+lr"], tmp_path / "private.skc")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "m.skc").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "private.skc").stat().st_mode) == 0o600


def test_special_paths(tmp_path):
    fifo = tmp_path / "fifo.skc"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        load(fifo)  # and does not block in open()
    with pytest.raises(ValueError, match="not a regular file"):
        load("/dev/zero", mmap=False)
    with pytest.raises(IsADirectoryError):
        load(tmp_path)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.skc")
    loop = tmp_path / "loop.skc"
    loop.symlink_to(loop)
    with pytest.raises(ValueError, match="cannot be read"):
        load(loop)


def test_pickle_files_are_named_as_such(tmp_path):
    import joblib

    joblib.dump(PIPELINES["dv+lr"], tmp_path / "m.skc")
    with pytest.raises(ValueError, match="is a joblib/pickle file: load it with joblib"):
        load(tmp_path / "m.skc")


def test_too_many_classes_are_refused_at_save(tmp_path):
    import copy

    model = copy.deepcopy(PIPELINES["dv+lr"][-1])
    model.n_outputs_ = 70_000
    with pytest.raises(ValueError, match=r"n_outputs_: 70000 is not a int in \[1, 65536\]"):
        save(model, tmp_path / "m.skc")
    assert not (tmp_path / "m.skc").exists()


_REPLACER = """
import sys
from sklearn_compress import load, save
a, b, target, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
models = [load(a, mmap=False), load(b, mmap=False)]
for i in range(rounds):
    save(models[i % 2], target)  # atomic rename each time
"""


def test_load_during_atomic_replacement_gives_old_or_new(tmp_path):
    first, second = PIPELINES["dv+lr"], PIPELINES["dv+tfidf+sgd"]
    save(first, tmp_path / "a.skc")
    save(second, tmp_path / "b.skc")
    target = tmp_path / "served.skc"
    save(first, target)
    expected = [first.predict_proba(X_TEST), second.predict_proba(X_TEST)]
    writer = subprocess.Popen([sys.executable, "-c", _REPLACER, str(tmp_path / "a.skc"),
                               str(tmp_path / "b.skc"), str(target), "100"], cwd=os.getcwd())
    seen = set()
    try:
        while writer.poll() is None:
            proba = load(target, mmap=len(seen) % 2 == 0).predict_proba(X_TEST)
            matches = [i for i, e in enumerate(expected) if np.array_equal(proba, e)]
            assert len(matches) == 1
            seen.add(matches[0])
    finally:
        writer.wait()
    assert writer.returncode == 0
    assert seen  # at least one load happened while the writer ran


def test_fixed_vocabulary_strings_never_reach_the_file(tmp_path):
    docs = ["play some jazz", "pause the jazzy music", "play music now"]
    vectorizer = CompressedTextVectorizer(vocabulary=["jazz", "music", "confidentialterm"],
                                          tfidf=True).fit(docs)
    save(vectorizer, tmp_path / "v.skc")
    assert b"confidentialterm" not in (tmp_path / "v.skc").read_bytes()
    loaded = load(tmp_path / "v.skc")
    assert loaded.fixed_vocabulary_ is True
    assert loaded.vocabulary is None  # the file holds the hash, not the strings
    assert (loaded.transform(docs) != vectorizer.transform(docs)).nnz == 0


def test_directly_built_text_vectorizer_round_trips(tmp_path):
    # dtype=None (the default: int64 counts, float64 tf-idf) is a valid parameter.
    docs = ["play some jazz", "pause the music", "play music now"]
    vectorizer = CompressedTextVectorizer(ngram_range=(1, 2)).fit(docs)
    save(vectorizer, tmp_path / "v.skc")
    loaded = load(tmp_path / "v.skc")
    assert loaded.dtype is None
    assert (loaded.transform(docs) != vectorizer.transform(docs)).nnz == 0


@pytest.mark.parametrize("unfitted", [
    CompressedTextVectorizer(vocabulary=["a"]), CompressedVectorizer(),
    QuantizedLinearModel(estimator=LogisticRegression())], ids=lambda e: type(e).__name__)
def test_unfitted_estimators_are_refused_by_name(tmp_path, unfitted):
    name = type(unfitted).__name__
    with pytest.raises(ValueError, match=f"^model: this {name} is not fitted: fit it "
                                         r"\(or compress\(\) a fitted model\) before saving$"):
        save(unfitted, tmp_path / "u.skc")
    assert not (tmp_path / "u.skc").exists()


# -- stacked lists: the members of an ensemble written once ------------------------------

Y_MULTILABEL = np.column_stack([np.isin(Y, labels) for labels in (
    ["play_music"], ["set_alarm", "weather"], ["weather", "book_taxi"])]).astype(int)
Y_CONSTANT = np.column_stack([Y_MULTILABEL, np.ones(len(Y), dtype=int)])


def _ensemble(model, y=Y, **options):
    return compress(make_pipeline(DictVectorizer(), model).fit(X, y), **options)


# name -> (compressed model, the groups of its stacked lists: each list's group counts)
ENSEMBLES = {
    "one-vs-rest": (lambda: _ensemble(OneVsRestClassifier(LogisticRegression())), [[4]]),
    "one-vs-rest multilabel": (lambda: _ensemble(OneVsRestClassifier(LogisticRegression()),
                                                 Y_MULTILABEL), [[3]]),
    "one-vs-rest feature lists": (lambda: _ensemble(OneVsRestClassifier(LogisticRegression()),
                                                    sparsity=0.5), [[4]]),
    "one-vs-rest mixed layouts": (lambda: _ensemble(OneVsRestClassifier(LogisticRegression()),
                                                    sparsity=0.3), [[1, 3]]),
    "one-vs-rest constant label": (lambda: _ensemble(OneVsRestClassifier(LogisticRegression()),
                                                     Y_CONSTANT), [[3, 1]]),
    "one-vs-one": (lambda: _ensemble(OneVsOneClassifier(LogisticRegression())), [[6]]),
    "multi-output": (lambda: _ensemble(MultiOutputClassifier(LogisticRegression()),
                                       Y_MULTILABEL), [[3]]),
    # The folds, and in them the calibrators (numbers a_ and b_ as columns).
    "calibrated sigmoid": (lambda: _ensemble(CalibratedClassifierCV(LogisticRegression(), cv=3)),
                           [[3], [4]]),
    "calibrated isotonic": (lambda: _ensemble(CalibratedClassifierCV(
        LogisticRegression(), cv=2, method="isotonic")), [[2], [4]]),
}


def _stacked_lists(value):
    """The group counts of each stacked list in a tree, outermost first."""
    if isinstance(value, list):
        return [found for item in value for found in _stacked_lists(item)]
    if not isinstance(value, dict):
        return []
    found = []
    if set(value) == {"stacked"}:
        found.append([group["count"] for group in value["stacked"]["groups"]])
        value = {"groups": value["stacked"]["groups"]}
    return found + [inner for item in value.values() for inner in _stacked_lists(item)]


@pytest.fixture(scope="module")
def ensembles():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Label 3 is present in all training examples")
        return {name: make() for name, (make, _) in ENSEMBLES.items()}


@pytest.mark.parametrize("name", ENSEMBLES)
@pytest.mark.parametrize("mmap", [True, False])
def test_ensembles_round_trip_through_stacked_lists(tmp_path, ensembles, name, mmap):
    model = ensembles[name]
    path = tmp_path / "e.skc"
    save(model, path)
    tree = json.loads(_parts(path)[1]["structure"])
    assert _stacked_lists(tree) == ENSEMBLES[name][1]
    loaded = load(path, mmap=mmap)
    for expected, actual in zip(_outputs(model), _outputs(loaded), strict=True):
        np.testing.assert_array_equal(actual, expected)
    assert _plain_params(loaded) == _plain_params(model)


@pytest.mark.parametrize("name", ["one-vs-rest mixed layouts", "one-vs-one", "multi-output"])
def test_stacked_members_are_read_only_views_of_the_mapped_file(tmp_path, ensembles, name):
    save(ensembles[name], tmp_path / "e.skc")
    members = load(tmp_path / "e.skc", mmap=True)[-1].estimators_
    arrays = [array for member in members for array in (member.codes_, member.intercept_)]
    assert not any(array.flags.writeable or array.flags.owndata for array in arrays)
    roots = [_root(array) for array in arrays]
    assert type(roots[0]) is mmap.mmap
    assert all(root is roots[0] for root in roots)


def _root(array):
    """The object owning the memory of ``array`` (views of views lead to it)."""
    while isinstance(array, np.ndarray) and array.base is not None:
        array = array.base
    return array.obj if isinstance(array, memoryview) else array


def test_a_list_of_one_member_is_written_plain_and_read_stacked(tmp_path):
    binary = np.isin(Y, ["play_music", "weather"])
    model = _ensemble(OneVsRestClassifier(LogisticRegression()), binary)
    assert len(model[-1].estimators_) == 1
    save(model, tmp_path / "one.skc")
    tensors, metadata = _parts(tmp_path / "one.skc")
    tree = json.loads(metadata["structure"])
    fitted = _model_node(tree)["fitted"]
    assert isinstance(fitted["estimators_"], list)
    np.testing.assert_array_equal(load(tmp_path / "one.skc").predict_proba(X_TEST),
                                  model.predict_proba(X_TEST))
    # The same member as a stacked list of one (what save() would write for more).
    fitted["estimators_"] = {"stacked": _stacked_by_hand(fitted["estimators_"][0], tensors)}
    _rewrite(tmp_path / "one.skc", tensors, {**metadata, "structure": json.dumps(tree)})
    np.testing.assert_array_equal(load(tmp_path / "one.skc").predict_proba(X_TEST),
                                  model.predict_proba(X_TEST))


def _stacked_by_hand(node, tensors):
    """A stacked list of the one member ``node``: its arrays become the columns."""
    columns = []

    def to_columns(value):
        if isinstance(value, dict) and set(value) == {"tensor"}:
            data = tensors[value["tensor"]]
            columns.append({"data": dict(value), "rows": len(data) if data.ndim else "scalar"})
            if not data.ndim:
                tensors[value["tensor"]] = data.reshape(1)
            value["tensor"] = str(len(columns) - 1)
        elif isinstance(value, dict):
            for item in value.values():
                to_columns(item)

    to_columns(node)
    return {"count": 1, "groups": [{"count": 1, "skeleton": node, "columns": columns}],
            "group_of": None}


def test_stacked_lists_are_written_deterministically(tmp_path, ensembles):
    model = ensembles["one-vs-rest mixed layouts"]
    save(model, tmp_path / "a.skc")
    save(copy.deepcopy(model), tmp_path / "b.skc")
    assert (tmp_path / "a.skc").read_bytes() == (tmp_path / "b.skc").read_bytes()


def _stack(tree):
    return _model_node(tree)["fitted"]["estimators_"]["stacked"]


def _column(tree, suffix, group=0):
    return next(column for column in _stack(tree)["groups"][group]["columns"]
                if column["data"]["tensor"].endswith(suffix))


def _set_array(tensors, name, change):
    tensors[name] = change(np.array(tensors[name]))


def _skeleton_fitted(group=0):
    return lambda tree, tensors: _stack(tree)["groups"][group]["skeleton"]["fitted"]


def _lengths(tree, tensors, change):
    _set_array(tensors, _column(tree, "codes_", 1)["rows"]["tensor"], change)


@pytest.mark.parametrize(("edit", "message"), [
    # every check of a member runs on each member, named by its position
    (lambda t, a: _skeleton_fitted(1)(t, a).update({"n_outputs_": 2}),
     r"estimators_\[1\]: a feature list holds one output, not 2"),
    (lambda t, a: _set_array(a, _column(t, "scale_", 1)["data"]["tensor"],
                             lambda v: np.where(np.arange(len(v)) == 1, np.nan, v)),
     r"estimators_\[2\]\.scale_: NaN or infinite values"),
    (lambda t, a: _skeleton_fitted(0)(t, a).update({"layout_": "exec"}),
     r"estimators_\[0\]\.layout_: 'exec' is not one of"),
    (lambda t, a: _stack(t)["groups"][1]["skeleton"]["nested"].update(
        {"estimator": _stack(t)["groups"][0]["skeleton"]}),
     r"estimators_\[1\]\.estimator: QuantizedLinearModel cannot be a template here"),
    (lambda t, a: _stack(t)["groups"][1].update(
        {"skeleton": _stack(t)["groups"][1]["skeleton"]["nested"]["estimator"]}),
     r"estimators_\[1\]: LogisticRegression is stored only as the unfitted template"),
    # the list's own description
    (lambda t, a: _stack(t).update({"count": 5}), "the groups hold 4 members, the list 5"),
    (lambda t, a: _stack(t)["groups"][0].update({"count": 0}), "malformed group"),
    (lambda t, a: [_stack(t).update({"count": 10**9}),
                   _stack(t)["groups"][1].update({"count": 10**9 - 1})],
     "stand for more objects than a 16777216-byte header could hold"),
    (lambda t, a: _column(t, "intercept_", 1).update({"rows": 2}),
     r"3 members of 2 rows do not fill shape \(3,\)"),
    (lambda t, a: _column(t, "intercept_", 1).update({"rows": -1}), "3 members of -1 rows"),
    (lambda t, a: _lengths(t, a, lambda v: v + 1), "row counts do not add up"),
    (lambda t, a: _lengths(t, a, lambda v: np.array([2**64 - 1, v[0] + v[1] + 1, v[2]],
                                                    dtype=np.uint64)),
     "row counts do not add up"),
    (lambda t, a: _lengths(t, a, lambda v: v.astype(np.int64)), "expected 3 unsigned row counts"),
    (lambda t, a: _lengths(t, a, lambda v: v[:-1]), "expected 3 unsigned row counts"),
    (lambda t, a: _skeleton_fitted(1)(t, a).update({"codes_": {"tensor": "9"}}),
     r"estimators_\[1\]\.codes_: reference to an unknown array"),
    (lambda t, a: _skeleton_fitted(1)(t, a).update(
        {"intercept_": {"tensor": _column(t, "intercept_", 1)["data"]["tensor"]}}),
     r"estimators_\[1\]\.intercept_: reference to an unknown array"),
    (lambda t, a: _skeleton_fitted(1)(t, a).update({"scale_": _skeleton_fitted(1)(t, a)[
        "intercept_"]}), r"estimators_\[1\]\.scale_: array '2' is used twice"),
    (lambda t, a: [_stack(t)["groups"][0]["columns"].append(
        {"data": {"tensor": "extra"}, "rows": 1}), a.update({"extra": np.zeros(1)})],
     r"estimators_\[0\]: columns not referenced by the skeleton: \['4'\]"),
    (lambda t, a: _set_array(a, _stack(t)["group_of"]["tensor"], np.zeros_like),
     "the group numbers disagree with the group counts"),
    (lambda t, a: _set_array(a, _stack(t)["group_of"]["tensor"], lambda v: v + 2),
     "the group numbers disagree with the group counts"),
    (lambda t, a: _set_array(a, _stack(t)["group_of"]["tensor"],
                             lambda v: v.astype(np.uint64)),
     "expected 4 group numbers of uint8/16/32"),
    (lambda t, a: _stack(t).update({"group_of": None}),
     "group numbers: reference to an unknown array"),
    (lambda t, a: [_skeleton_fitted(1)(t, a).update({"n_features_in_": {"tensor": "5"}}),
                   _stack(t)["groups"][1]["columns"].append({"data": {"tensor": "extra"},
                                                             "rows": "scalar"}),
                   a.update({"extra": np.full(3, 7, dtype=np.uint8)})],
     r"estimators_\[1\]\.n_features_in_: expected one bool, int64 or float64 value, got 0-D "
     "uint8"),
    (lambda t, a: [_skeleton_fitted(1)(t, a).update({"n_features_in_": {"tensor": "5"}}),
                   _stack(t)["groups"][1]["columns"].append({"data": {"tensor": "extra"},
                                                             "rows": "scalar"}),
                   a.update({"extra": np.full(3, 7)})],
     r"estimators_\[1\]: feature_ids_ are not increasing ids of the 7 features"),
    (lambda t, a: t["nested"].update({"steps": {"stacked": _stack(t)}}),
     "model.steps: expected a list"),
])
def test_crafted_stacked_lists_are_refused(tmp_path, ensembles, edit, message):
    path = tmp_path / "e.skc"
    save(ensembles["one-vs-rest mixed layouts"], path)
    tensors, metadata = _parts(path)
    tensors = {name: np.array(array) for name, array in tensors.items()}
    tree = json.loads(metadata["structure"])
    edit(tree, tensors)
    _rewrite(path, tensors, {**metadata, "structure": json.dumps(tree)})
    with pytest.raises(ValueError, match=message):
        load(path)


def test_members_with_too_few_bytes_are_refused(tmp_path, ensembles):
    # 1,000 members whose arrays are all empty: refused before any is made.
    path = tmp_path / "e.skc"
    save(ensembles["one-vs-rest feature lists"], path)
    tensors, metadata = _parts(path)
    tensors = {name: np.array(array) for name, array in tensors.items()}
    tree = json.loads(metadata["structure"])
    stack = _stack(tree)
    stack["count"] = stack["groups"][0]["count"] = 1000
    for column in stack["groups"][0]["columns"]:
        if isinstance(column["rows"], dict):
            del tensors[column["rows"]["tensor"]]
        column["rows"] = 0
        name = column["data"]["tensor"]
        tensors[name] = tensors[name][:0]
    _rewrite(path, tensors, {**metadata, "structure": json.dumps(tree)})
    with pytest.raises(ValueError, match=r"1000 members for 0 bytes of arrays \(at least 8 "
                                         r"bytes per member\)"):
        load(path)


def test_stacked_walker_edges(tmp_path, monkeypatch):
    codec = _ENSEMBLE_CODEC
    monkeypatch.setitem(_persist._CODECS, "_Ensemble", Codec(
        codec.cls, param_children=codec.param_children, numbers=codec.numbers,
        children={**codec.children, "estimators_": list_of(OBJECT, stacked=True)}))
    ensemble = _fitted_ensemble()
    model = ensemble.estimators_[1]
    features = PIPELINES["dv+lr"][0].transform(X_TEST)
    # An empty list; identical members, which share every array and so bring no
    # bytes of their own: both are written as plain lists.
    for members in ([], [model, copy.deepcopy(model)]):
        ensemble.estimators_ = members
        save(ensemble, tmp_path / "e.skc")
        stored = json.loads(_parts(tmp_path / "e.skc")[1]["structure"])["fitted"]["estimators_"]
        assert isinstance(stored, list) and len(stored) == len(members)
        loaded = load(tmp_path / "e.skc").estimators_
        assert len(loaded) == len(members)
        for member in loaded:
            np.testing.assert_array_equal(member.predict(features), model.predict(features))


def test_save_checks_each_stacked_member(tmp_path, ensembles):
    model = copy.deepcopy(ensembles["one-vs-rest"])
    model[-1].estimators_[2].intercept_ = np.array([np.inf])
    with pytest.raises(ValueError, match=r"model\.onevsrestclassifier\.estimators_\[2\]\."
                                         r"intercept_: NaN or infinite values"):
        save(model, tmp_path / "e.skc")
    assert not (tmp_path / "e.skc").exists()


def test_only_lists_of_objects_can_be_stacked():
    with pytest.raises(ValueError, match="only a list of objects without placeholders"):
        list_of(STEP, stacked=True)
    with pytest.raises(ValueError, match="only a list of objects without placeholders"):
        list_of(NAME, stacked=True)


@pytest.mark.parametrize("cls", sorted({codec.cls for codec in _persist._CODECS.values()},
                                       key=lambda cls: cls.__name__),
                         ids=lambda cls: cls.__name__)
def test_parameter_checks_are_scikit_learns(cls):
    # load() checks parameters with constraint objects made at import: the
    # same verdict and the same message as validate_parameter_constraints.
    from sklearn_compress._sklearn_compat import validate_parameter_constraints

    candidates = [None, True, 0, -1, 3, 1.5, -0.5, "auto", "l2", "x", [], (1, 2), {"a": 1},
                  LogisticRegression(), np.float64, "passthrough"]
    defaults = _persist._defaults(cls)
    for name in getattr(cls, "_parameter_constraints", {}):
        for value in [defaults.get(name), *candidates]:
            params = {name: value}
            try:
                validate_parameter_constraints(cls._parameter_constraints, params,
                                               caller_name=cls.__name__)
                expected = None
            except (TypeError, ValueError) as exc:
                expected = (type(exc), str(exc))
            try:
                _persist._validate_params(cls, params)
                actual = None
            except (TypeError, ValueError) as exc:
                actual = (type(exc), str(exc))
            assert actual == expected, (name, value)
