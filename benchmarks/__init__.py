"""The benchmarks of sklearn-compress; run each from the repository root as a module.

    python -m benchmarks.bench_datasets      # README's results table
    python -m benchmarks.bench_compress      # compress() against the alternatives
    python -m benchmarks.bench_load          # loading a model file
    python -m benchmarks.bench_text          # text pipelines
    python -m benchmarks.bench_quantize      # QuantizedLinearModel
    python -m benchmarks.bench_vectorizer    # CompressedVectorizer
    python -m benchmarks.bench_mph           # MinimalPerfectHash

Each takes ``--help``; most take ``--quick`` for a smoke run. The datasets are
read from ``$SKLEARN_COMPRESS_DATA`` (default ``../shared/data``). Results and
their commands are in ``docs/benchmarks.md``.
"""
