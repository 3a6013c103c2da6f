import os

import pytest

from glimpse.sandbox import Workspace
from glimpse.sandbox.workspace import Scratch


def test_files_are_written_inside_a_private_workspace(tmp_path):
    workspace = Workspace(tmp_path)
    workspace.write([("main.py", b"print(1)"), ("pkg/util/helper.py", b"x = 1")])
    assert (workspace.path / "pkg/util/helper.py").read_bytes() == b"x = 1"
    assert os.stat(workspace.path).st_mode & 0o777 == 0o700


def test_a_planted_symlink_is_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    workspace = Workspace(tmp_path)
    (workspace.path / "pkg").symlink_to(outside)
    (workspace.path / "main.py").symlink_to(outside / "target.py")
    with pytest.raises(OSError):
        workspace.write([("pkg/evil.py", b"x")])
    with pytest.raises(FileExistsError):
        workspace.write([("main.py", b"x")])
    assert list(outside.iterdir()) == []


def test_names_are_checked_again_before_writing(tmp_path):
    with pytest.raises(ValueError):
        Workspace(tmp_path).write([("../escape.py", b"x")])
    assert sorted(path.name for path in tmp_path.iterdir() if not path.name.startswith("glimpse-run-")) == []


def test_scratch_sweep_removes_everything_new_without_following_links(tmp_path):
    scratch_dir = tmp_path / "tmp"
    scratch_dir.mkdir()
    (scratch_dir / "left-by-a-previous-runtime").write_text("x")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("keep")
    scratch = Scratch(scratch_dir)
    assert scratch.sweep() == set()
    assert os.listdir(scratch_dir) == []

    fd = os.open(scratch_dir, os.O_RDONLY)
    for _ in range(3000):  # deeper than Python's recursion limit and than PATH_MAX
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)
    (scratch_dir / "link").symlink_to(precious)
    locked = scratch_dir / "locked"
    (locked / "inner").mkdir(parents=True)
    (locked / "inner" / "file").write_text("x")
    os.chmod(locked / "inner", 0)
    os.chmod(locked, 0)
    assert scratch.sweep() == set()
    assert os.listdir(scratch_dir) == []
    assert (precious / "keep.txt").read_text() == "keep"
