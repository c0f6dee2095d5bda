"""Time each stage of ``sklearn_compress.load`` in this fresh process; print one JSON list.

Run by ``benchmarks.bench_load --stages`` as
``python -m benchmarks._load_stages MODEL_PATH INPUTS_JSON``. Like
``benchmarks._load_probe``, it first imports every module and makes one
throwaway scikit-learn prediction; it then repeats ``load()``'s steps one by
one (the container, the header and digest, the object tree's JSON, the
objects) and predicts the first input. Milliseconds, in that order, then the
total.
"""

import itertools
import json
import sys
import time

from benchmarks.bench_load import MODULES


def main(path, inputs_path):
    import importlib

    for module in MODULES:
        importlib.import_module(module)
    from sklearn.linear_model import LogisticRegression

    from sklearn_compress.io import _persist
    from sklearn_compress.io._safetensors import parse_json, read_container

    LogisticRegression().fit([[0.0], [1.0]], [0, 1]).predict([[0.0]])
    with open(inputs_path, encoding="utf-8") as f:
        inputs = json.load(f)
    marks = [time.perf_counter()]
    container = read_container(path, use_mmap=True)
    marks.append(time.perf_counter())
    _persist._check_header(path, container.metadata)
    _persist._check_integrity(path, container, None)
    marks.append(time.perf_counter())
    tree = parse_json(container.metadata["structure"])
    marks.append(time.perf_counter())
    trailers = (_persist._DIGEST, _persist._SIGNATURE)
    tensors = {name: array for name, array in container.arrays.items() if name not in trailers}
    model = _persist._read_tree(tensors, tree, "model")
    marks.append(time.perf_counter())
    model.predict(inputs)
    marks.append(time.perf_counter())
    stages = [1e3 * (b - a) for a, b in itertools.pairwise(marks)]
    print(json.dumps([*stages, 1e3 * (marks[-1] - marks[0])]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
