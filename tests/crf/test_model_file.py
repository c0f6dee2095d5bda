"""The .crfsuite reader against Tagger.info()'s dump, and malformed files."""

import numpy as np
import pytest

from sklearn_compress.crf._model_file import read_model_bytes, weights_from_tagger_info

from ._reference import exact_weights


def _named(weights):
    states = {(weights.attributes[a].decode(), weights.labels[y]): w for a, y, w in zip(
        weights.state_attributes, weights.state_labels, weights.state_weights, strict=True)}
    transitions = {(weights.labels[a], weights.labels[b]): w for a, b, w in zip(
        weights.transition_from, weights.transition_to, weights.transition_weights,
        strict=True)}
    return states, transitions


@pytest.mark.parametrize("fixture", ["synthetic_crf", "snips_crf"])
def test_weights_match_the_info_dump(fixture, request):
    crf = request.getfixturevalue(fixture)[0]
    weights = exact_weights(crf)
    info = crf.tagger_.info()
    assert weights.labels == crf.classes_
    assert {name.decode(): str(i) for i, name in enumerate(weights.attributes)} == (
        info.attributes)
    states, transitions = _named(weights)
    # The dump rounds to 6 decimals and drops nothing: the same keys, and
    # every weight within half a unit of the 6th decimal.
    assert states.keys() == info.state_features.keys()
    assert transitions.keys() == info.transitions.keys()
    for exact, dumped in ((states, info.state_features), (transitions, info.transitions)):
        keys = list(exact)
        difference = np.array([exact[k] for k in keys]) - np.array([dumped[k] for k in keys])
        assert np.abs(difference).max() <= 5e-7 + 1e-12
    # Exact weights are not all multiples of 1e-6, as the dump's are.
    assert np.any(np.abs(weights.state_weights * 1e6 - np.rint(weights.state_weights * 1e6))
                  > 1e-3)


def test_tagger_info_reader_matches_the_file(synthetic_crf):
    crf = synthetic_crf[0]
    from_file, from_info = exact_weights(crf), weights_from_tagger_info(crf.tagger_)
    assert from_info.labels == from_file.labels
    assert from_info.attributes == from_file.attributes
    assert _named(from_info)[0] == pytest.approx(_named(from_file)[0], abs=5e-7)


def test_malformed_files_raise_value_error(synthetic_crf):
    with open(synthetic_crf[0].modelfile.name, "rb") as f:
        data = f.read()
    with pytest.raises(ValueError, match="not a CRFsuite model file"):
        read_model_bytes(b"x" * 100)
    with pytest.raises(ValueError, match="too short"):
        read_model_bytes(data[:10])
    with pytest.raises(ValueError, match="truncated CRFsuite model"):
        read_model_bytes(data[: len(data) // 2])
    broken = bytearray(data)
    offset = int.from_bytes(data[28:32], "little")  # off_features
    broken[offset:offset + 4] = b"XXXX"
    with pytest.raises(ValueError, match="feature chunk"):
        read_model_bytes(bytes(broken))
