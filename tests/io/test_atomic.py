import pytest

from sklearn_compress.io._atomic import atomic_writer


def test_replaces_the_file_once_written(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    with atomic_writer(path) as f:
        f.write(b"new")
        assert path.read_bytes() == b"old"  # not yet replaced
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_a_failure_keeps_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk full"), atomic_writer(path) as f:
        f.write(b"half")
        raise RuntimeError("disk full")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_a_missing_directory_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_writer(tmp_path / "no" / "f.bin") as f:
        f.write(b"x")
