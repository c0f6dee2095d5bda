import os
from pathlib import Path

import pytest

# The public NLU datasets live beside the checkout (../shared/data); on a
# user's machine they are absent and the tests that need them skip.
SHARED_DATA = Path(
    os.environ.get(
        "SKLEARN_COMPRESS_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)


def _dataset_dir(name):
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"dataset {name!r} not found under {SHARED_DATA}")
    return path


@pytest.fixture(scope="session")
def clinc150_dir():
    return _dataset_dir("clinc150")


@pytest.fixture(scope="session")
def snips_dir():
    return _dataset_dir("snips")
