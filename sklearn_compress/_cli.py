"""The ``sklearn-compress`` command line (also ``python -m sklearn_compress``)."""

import argparse
import sys
from pathlib import Path
from typing import Any

import joblib

from ._version import __version__
from .compose import compress, compression_report
from .compose._report import size_breakdown
from .io import load, save
from .io._atomic import atomic_writer
from .io._persist import describe_file

__all__ = ["main"]

SAFE_SUFFIXES = (".skc", ".safetensors")
_TRUST_WARNING = (
    "Loading a joblib file runs pickle, which can execute arbitrary code: "
    "only load files you trust. Files ending in .skc or .safetensors use the "
    "safe format of sklearn_compress.save/load instead: no code is run when "
    "they are read, and every part of them is checked."
)


class CommandError(Exception):
    """An error reported as one line on stderr with exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sklearn-compress",
        description="Compress fitted scikit-learn pipelines. " + _TRUST_WARNING,
    )
    parser.add_argument("--version", action="version", version=f"sklearn-compress {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    squeeze = commands.add_parser(
        "compress", help="compress a joblib model file",
        description="Compress the fitted pipeline in MODEL into OUT and print the size "
                    "table. " + _TRUST_WARNING,
    )
    squeeze.add_argument("model", type=Path, help="joblib file of a fitted pipeline (or .skc)")
    squeeze.add_argument("out", type=Path,
                         help="file to write, replaced atomically: the safe format if it ends "
                              "in .skc or .safetensors, else joblib")
    squeeze.add_argument("--bits", type=int, default=8, help="bits per weight, 2..16 (default 8)")
    squeeze.add_argument("--fingerprint-bits", type=fingerprint_bits_argument, default="auto",
                         help="fingerprint bits per feature, 0..32 or auto (default auto, as "
                              "compress())")
    squeeze.add_argument("--one-scale", dest="per_class", action="store_false",
                         help="one quantization scale for all classes (default: one per class)")
    _add_data_option(squeeze, "calibrate the compression on these samples and print the "
                              "fidelity figures (agreement, changed predictions, largest "
                              "change of predict_proba)")
    inspect = commands.add_parser(
        "inspect", help="print the size breakdown of a model file",
        description="Print each step's pickled and in-memory size. " + _TRUST_WARNING,
    )
    inspect.add_argument("file", type=Path, help="model file (.skc/.safetensors or joblib)")
    _add_data_option(inspect, "print the model's accuracy on these samples")
    return parser


# -- --data FILE: samples as JSON Lines ------------------------------------------------


def _add_data_option(command: argparse.ArgumentParser, purpose: str) -> None:
    command.add_argument(
        "--data", type=Path, metavar="FILE",
        help=f"JSON Lines samples, one object a line with 'text' (or a 'features' dict) and "
             f"optionally 'intent' (the label): {purpose}. Pipelines starting with a "
             "DictVectorizer get the word uni+bigram counts of 'text' unless 'features' is "
             "given")


def _model_takes_dicts(model: Any) -> bool:
    first = model.steps[0][1] if hasattr(model, "steps") else model
    return "Vectorizer" in type(first).__name__ and not hasattr(first, "build_analyzer")


def _read_data(path: Path, model: Any) -> tuple[list[Any], list[Any] | None]:
    """(inputs of ``model``, labels or None) from a JSON Lines file."""
    import json

    from .datasets import word_ngram_features

    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                   if line.strip()]
        if _model_takes_dicts(model):
            inputs = [r["features"] if "features" in r else word_ngram_features(r["text"])
                      for r in records]
        else:
            inputs = [r["text"] for r in records]
    except (ValueError, KeyError, TypeError) as exc:
        raise CommandError(f"{path}: expected JSON objects with 'text' or 'features' "
                           f"({exc!r})") from None
    labels = [r["intent"] for r in records] if all("intent" in r for r in records) else None
    return inputs, labels


def _load(path: Path) -> Any:
    if path.is_dir():
        raise CommandError(f"{path}: is a directory, not a model file")
    if not path.is_file():
        raise CommandError(f"{path}: no such file" if not path.exists() else
                           f"{path}: is not a regular file")
    if _looks_safe(path):
        try:
            # Read into memory, so that sizes count the arrays, not a file mapping.
            return load(path, mmap=False)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    if describe_file(path) is None:
        raise CommandError(f"{path}: is not a model file (neither the safe format nor a "
                           "joblib/pickle file)")
    if _is_safe_format(path):
        # The name promised the safe format: never run pickle behind it.
        raise CommandError(f"{path}: is a joblib/pickle file, not a safe model file: load it "
                           "with joblib (rename it to .joblib) only if you trust it")
    try:
        model = joblib.load(path)
    except Exception as exc:
        raise CommandError(f"{path}: cannot load it as a joblib file ({exc})") from None
    if not (hasattr(model, "get_params") and hasattr(model, "fit")):
        raise CommandError(f"{path}: holds a {type(model).__module__}.{type(model).__name__}, "
                           "not a scikit-learn model")
    return model


def _looks_safe(path: Path) -> bool:
    """A safetensors container: an 8-byte header length, then a JSON object."""
    with open(path, "rb") as f:
        head = f.read(9)
    return len(head) == 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < 2**32


def _is_compressed(model: Any) -> bool:
    get_params = getattr(model, "get_params", None)
    parts = [model, *(get_params(deep=True).values() if get_params else ())]
    return any(type(part).__module__.startswith("sklearn_compress.") for part in parts)


def _is_safe_format(path: Path) -> bool:
    return path.suffix in SAFE_SUFFIXES


def _save(model: Any, path: Path) -> None:
    if _is_safe_format(path):
        save(model, path)  # atomic too
        return
    with atomic_writer(path) as f:
        joblib.dump(model, f)


def _compress_command(args: argparse.Namespace) -> None:
    model = _load(args.model)
    if _is_compressed(model):
        raise CommandError(f"{args.model}: already compressed: nothing to do (inspect shows "
                           "its sizes)")
    X, y = _read_data(args.data, model) if args.data is not None else (None, None)
    try:
        compressed = compress(model, X, bits=args.bits, fingerprint_bits=args.fingerprint_bits,
                              per_class=args.per_class)
    except (TypeError, ValueError) as exc:
        raise CommandError(f"{args.model}: {exc}") from None
    if not args.out.parent.is_dir():
        raise CommandError(f"{args.out}: cannot write, {args.out.parent} is not a directory")
    try:
        _save(compressed, args.out)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"{args.out}: cannot write ({exc.strerror or exc})") from None
    print(compression_report(model, compressed, X, y))
    print(f"file: {args.model.stat().st_size:,} -> {args.out.stat().st_size:,} bytes")


def _inspect_command(args: argparse.Namespace) -> None:
    model = _load(args.file)
    print(f"{args.file}: {args.file.stat().st_size:,} bytes")
    print("\n".join(size_breakdown(model)))
    if args.data is not None:
        X, y = _read_data(args.data, model)
        if y is not None:
            print(f"accuracy on the {len(y)} samples of {args.data}: "
                  f"{100 * model.score(X, y):.2f}%")


def fingerprint_bits_argument(text: str) -> int | str:
    """``--fingerprint-bits``: an integer, or "auto" as compress() takes it."""
    return text if text == "auto" else int(text)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return its exit code."""
    args = _parser().parse_args(argv)
    try:
        {"compress": _compress_command, "inspect": _inspect_command}[args.command](args)
    except CommandError as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(f"{exc.filename or args.command}: {exc.strerror or exc}")
    return 0


def _error(message: str) -> int:
    print(f"sklearn-compress: error: {' '.join(message.split())}", file=sys.stderr)
    return 2
