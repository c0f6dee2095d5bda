"""Atomic file replacement: write a temporary file, fsync it, rename it."""

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_writer"]


@contextlib.contextmanager
def atomic_writer(path):
    """Yield a binary file that replaces ``path`` only once fully written.

    If the block raises (or the process dies), an existing file at ``path``
    is left as it was and the temporary file is removed.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory):
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
