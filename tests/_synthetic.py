"""A small deterministic intent-like dataset of feature dicts, for tests."""

import numpy as np

INTENTS = ["play_music", "set_alarm", "weather", "book_taxi"]


def feature_dicts(n_samples, seed=0, n_words=400):
    """Feature dicts with class-specific and shared words, and their labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(INTENTS), size=n_samples)
    samples = []
    for label in labels:
        words = [f"{INTENTS[label]}_w{rng.integers(0, n_words // 4)}" for _ in range(3)]
        words += [f"shared_w{rng.integers(0, n_words)}" for _ in range(4)]
        sample = {}
        for word in words:
            sample[word] = sample.get(word, 0) + 1
        samples.append(sample)
    return samples, [INTENTS[label] for label in labels]


def numeric_dicts(n_samples, seed):
    """One-hot words beside a raw count in 100..2000 that decides half the label."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for _ in range(n_samples):
        topic = int(rng.integers(0, 4))
        words = rng.choice(50, size=3, replace=False) + 50 * topic
        noise = rng.integers(200, 400, size=2)
        count = int(rng.integers(100, 2001))
        row = {f"w=word{i}": 1 for i in (*words, *noise)}
        row["count"] = count
        X.append(row)
        y.append(f"{topic}-{'big' if count > 1000 else 'small'}")
    return X, y
