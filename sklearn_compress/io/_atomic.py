"""Atomic file replacement: write a temporary file, fsync it, rename it."""

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_writer"]


def _create_temporary(path: Path) -> tuple[int, Path]:
    # Not tempfile.mkstemp: it creates files with mode 0600 whatever the umask;
    # O_CREAT with 0666 lets the umask decide (0644 under the usual 022), as
    # joblib's and any plain open()'s files do.
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temporary = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``path`` only once fully written.

    The file is open for reading too (a digest of what was written can be
    read back through a memory map before the file is closed).

    If the block raises (or the process dies), an existing file at ``path``
    is left as it was and the temporary file is removed. The new file's mode
    follows the umask.
    """
    path = Path(path)
    handle, temporary = _create_temporary(path)
    try:
        with os.fdopen(handle, "w+b") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible on every platform.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
