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
