"""Load a model file in this fresh process and print what it cost, as one JSON object.

Run by :func:`benchmarks._common.load_in_fresh_processes` as
``python -m benchmarks._load_probe MODEL_PATH OPTIONS_JSON``; options:

- ``kind``: ``"joblib"`` (``joblib.load``), ``"mmap"`` or ``"read"``
  (``sklearn_compress.load(mmap=True / False)``);
- ``modules``: imported before any timer, so the load time is not import time;
- ``warm_up``: make one throwaway prediction first: scikit-learn's input
  validation sets itself up on first use (it scans the installed packages'
  entry points for dataframe plugins, several ms), which a server loading
  many models has paid once, like its imports;
- ``inputs``: a JSON file of a list to predict (``""``: no prediction);
  ``predict_in_timer``: the timer covers the first prediction too;
- ``traced``: load a second time under ``tracemalloc`` and report the bytes
  allocated.

The output has ``seconds``, ``rss`` (growth of VmRSS over the timed part),
``traced`` (bytes or null) and ``predictions`` (a list or null).
"""

import importlib
import json
import sys
import time


def resident_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def loader(kind):
    if kind == "joblib":
        import joblib

        return joblib.load
    import sklearn_compress

    return lambda path: sklearn_compress.load(path, mmap=(kind == "mmap"))


def main(path, options):
    for module in options["modules"]:
        importlib.import_module(module)
    load = loader(options["kind"])
    if options["warm_up"]:
        from sklearn.linear_model import LogisticRegression

        LogisticRegression().fit([[0.0], [1.0]], [0, 1]).predict([[0.0]])
    inputs = None
    if options["inputs"]:
        with open(options["inputs"], encoding="utf-8") as f:
            inputs = json.load(f)

    before = resident_bytes()
    start = time.perf_counter()
    model = load(path)
    predictions = model.predict(inputs) if inputs and options["predict_in_timer"] else None
    seconds = time.perf_counter() - start
    result = {"seconds": seconds, "rss": resident_bytes() - before, "traced": None}

    if options["traced"]:
        import tracemalloc

        del model
        tracemalloc.start()
        model = load(path)
        result["traced"] = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    if inputs and predictions is None:
        predictions = model.predict(inputs)
    result["predictions"] = None if predictions is None else predictions.tolist()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
