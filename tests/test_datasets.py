import gzip
import json

import pytest

from sklearn_compress import datasets
from sklearn_compress.datasets import (
    find_split,
    load_intent_dataset,
    load_slot_dataset,
    make_intent_dataset,
    word_ngram_features,
)


def _write_jsonl(path, records, compress=False):
    text = "".join(json.dumps(r) + "\n" for r in records)
    if compress:
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("compress", [False, True])
def test_load_intent_dataset_reads_plain_and_gzip(tmp_path, compress):
    records = [{"text": "hi there", "intent": "greet"}, {"text": "bye", "intent": "bye"}]
    name = "train.jsonl.gz" if compress else "train.jsonl"
    _write_jsonl(tmp_path / name, records, compress=compress)
    texts, intents = load_intent_dataset(tmp_path, "train")
    assert texts == ["hi there", "bye"]
    assert intents == ["greet", "bye"]


def test_load_intent_dataset_missing_split(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no test\.jsonl or test\.jsonl\.gz"):
        load_intent_dataset(tmp_path, "test")


def test_load_intent_dataset_bad_record(tmp_path):
    _write_jsonl(tmp_path / "train.jsonl", [{"text": "no intent"}])
    with pytest.raises(ValueError, match=r"train.jsonl:1: expected a JSON object"):
        load_intent_dataset(tmp_path)


def test_load_real_clinc150(clinc150_dir):
    texts, intents = load_intent_dataset(clinc150_dir, "test")
    assert len(texts) == len(intents) > 1000
    assert all(isinstance(t, str) for t in texts)


def test_word_ngram_features_counts_repeats():
    assert word_ngram_features("a a b", ngram_range=(1, 2)) == {"a": 2, "b": 1, "a a": 1, "a b": 1}
    assert word_ngram_features("", ngram_range=(1, 2)) == {}


def test_load_intent_dataset_skips_blank_lines_and_ignores_other_fields(tmp_path):
    (tmp_path / "test.jsonl").write_text(
        '{"text": "hi", "intent": "greet", "tokens": ["hi"]}\n\n  \n'
        '{"intent": "bye", "text": "bye"}\n', encoding="utf-8")
    assert load_intent_dataset(tmp_path, "test") == (["hi", "bye"], ["greet", "bye"])


def test_load_intent_dataset_not_an_object(tmp_path):
    (tmp_path / "train.jsonl").write_text('{"text": "a", "intent": "b"}\n[1, 2]\n')
    with pytest.raises(ValueError, match=r"train\.jsonl:2: expected a JSON object with "
                                         r"'text' and 'intent'"):
        load_intent_dataset(tmp_path)


def test_load_intent_dataset_prefers_plain_file(tmp_path):
    _write_jsonl(tmp_path / "train.jsonl", [{"text": "plain", "intent": "a"}])
    _write_jsonl(tmp_path / "train.jsonl.gz", [{"text": "gzip", "intent": "a"}], compress=True)
    assert find_split(tmp_path, "train").name == "train.jsonl"
    assert load_intent_dataset(tmp_path)[0] == ["plain"]


# -- load_slot_dataset ------------------------------------------------------------------------


def test_load_slot_dataset_reads_tokens_and_tags(tmp_path):
    records = [{"text": "play jazz", "intent": "PlayMusic", "tokens": ["play", "jazz"],
                "tags": ["O", "B-genre"]},
               {"text": "", "intent": "None", "tokens": [], "tags": []}]
    _write_jsonl(tmp_path / "train.jsonl.gz", records, compress=True)
    assert load_slot_dataset(tmp_path) == ([["play", "jazz"], []], [["O", "B-genre"], []])


@pytest.mark.parametrize(("record", "message"), [
    ({"tokens": ["a", "b"], "tags": ["O"]}, r"train\.jsonl: record 2: 2 tokens but 1 tags"),
    ({"tokens": "a b", "tags": ["O", "O"]}, r"record 2: 'tokens' must be a list of strings"),
    ({"tokens": ["a"], "tags": [0]}, r"record 2: 'tags' must be a list of strings"),
    ({"text": "no tokens", "intent": "x"}, r"train\.jsonl:2: expected a JSON object with "
                                           r"'tokens' and 'tags'"),
])
def test_load_slot_dataset_bad_record(tmp_path, record, message):
    _write_jsonl(tmp_path / "train.jsonl", [{"tokens": ["ok"], "tags": ["O"]}, record])
    with pytest.raises(ValueError, match=message):
        load_slot_dataset(tmp_path)


def test_load_real_snips_slots_match_the_texts(snips_dir):
    tokens, tags = load_slot_dataset(snips_dir, "test")
    texts, _ = load_intent_dataset(snips_dir, "test")
    assert len(tokens) == len(tags) == len(texts) == 700
    # The tokens cover each text exactly, whitespace aside.
    assert all("".join(words) == "".join(text.split())
               for words, text in zip(tokens, texts, strict=True))
    assert all(len(t) == len(g) for t, g in zip(tokens, tags, strict=True))
    labels = {tag for sequence in tags for tag in sequence}
    assert "O" in labels
    assert all(tag == "O" or tag[:2] in ("B-", "I-") for tag in labels)


# -- make_intent_dataset ----------------------------------------------------------------------


def test_make_intent_dataset_is_deterministic_and_split():
    first = make_intent_dataset(2000)
    assert make_intent_dataset(2000) == first
    train_texts, train_intents, test_texts, test_intents = first
    assert (len(train_texts), len(train_intents), len(test_texts), len(test_intents)) == (
        1600, 1600, 400, 400)
    assert len(set(train_intents)) == 24
    assert set(test_intents) <= set(train_intents)
    assert make_intent_dataset(2000, random_state=1) != first


def test_make_intent_dataset_parameters():
    train_texts, _, test_texts, _ = make_intent_dataset(1000, test_size=0.5)
    assert len(train_texts) == len(test_texts) == 500
    # Without label noise every intent is the one its template was drawn for.
    _, clean, _, _ = make_intent_dataset(1000, label_noise=0.0)
    _, noisy, _, _ = make_intent_dataset(1000, label_noise=1.0)
    assert clean != noisy


def test_make_intent_dataset_vocabulary_grows_with_size():
    def vocabulary(n_samples):
        texts = make_intent_dataset(n_samples)[0]
        return {name for text in texts for name in word_ngram_features(text)}

    assert len(vocabulary(8000)) > 2 * len(vocabulary(2000))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_samples": 5}, r"n_samples must be an integer >= 10, got 5"),
    ({"n_samples": 100.0}, r"n_samples must be an integer >= 10, got 100\.0"),
    ({"n_samples": 100, "test_size": 1.0}, r"test_size must be a float in \(0, 1\), got 1\.0"),
    ({"n_samples": 100, "test_size": "0.2"}, r"test_size must be a float in \(0, 1\)"),
    ({"n_samples": 100, "label_noise": -0.1}, r"label_noise must be a float in \[0, 1\]"),
    ({"n_samples": 100, "random_state": None},
     r"random_state must be a non-negative integer, got None"),
])
def test_make_intent_dataset_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_intent_dataset(**kwargs)


def test_public_names():
    assert sorted(datasets.__all__) == ["find_split", "load_intent_dataset", "load_slot_dataset",
                                        "make_intent_dataset", "word_ngram_features"]
    for name in datasets.__all__:
        assert getattr(datasets, name).__doc__
