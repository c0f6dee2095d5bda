"""Span F1, the slot dataset loader and the synthetic slot dataset."""

import json

import pytest

from sklearn_compress.crf import load_slot_dataset, span_f1, synthetic_slot_dataset
from sklearn_compress.crf._metrics import _spans


def test_spans_follow_conlleval():
    assert _spans(["B-a", "I-a", "O", "I-b", "I-b", "B-b", "I-a"]) == {
        ("a", 0, 2), ("b", 3, 5), ("b", 5, 6), ("a", 6, 7)}
    assert _spans(["O", "O"]) == set()


def test_span_f1():
    y_true = [["B-a", "I-a", "O", "B-b"]]
    assert span_f1(y_true, y_true) == 1.0
    # 1 of 2 true spans found, 1 of 1 predicted right: P = 1, R = 0.5.
    assert span_f1(y_true, [["B-a", "I-a", "O", "O"]]) == pytest.approx(2 / 3)
    assert span_f1([["O"]], [["O"]]) == 0.0
    with pytest.raises(ValueError):
        span_f1(y_true, [])


def test_load_slot_dataset(tmp_path):
    records = [{"tokens": ["play", "jazz"], "tags": ["O", "B-genre"]}]
    (tmp_path / "train.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n\n")
    assert load_slot_dataset(tmp_path) == ([["play", "jazz"]], [["O", "B-genre"]])
    (tmp_path / "bad.jsonl").write_text(json.dumps({"tokens": ["a"], "tags": []}))
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: 1 tokens and 0 tags"):
        load_slot_dataset(tmp_path, "bad")


def test_snips_has_slots(snips_dir):
    tokens, tags = load_slot_dataset(snips_dir, "test")
    assert len(tokens) == 700
    assert sum(len(s) for s in tokens) == sum(len(t) for t in tags)


def test_synthetic_slot_dataset_is_deterministic():
    assert synthetic_slot_dataset(50, seed=3) == synthetic_slot_dataset(50, seed=3)
    tokens, tags = synthetic_slot_dataset(50)
    assert all(len(s) == len(t) for s, t in zip(tokens, tags, strict=True))
    assert {tag for sequence in tags for tag in sequence} >= {"O", "B-city", "I-city"}
