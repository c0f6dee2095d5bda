import gzip
import json

import pytest

from sklearn_compress.datasets import load_intent_dataset, word_ngram_features


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
