"""What judge mode keeps of a compiled workspace between tests (Workspace.save), and writes again."""

import os

import pytest

from glimpse.sandbox import Workspace
from glimpse.sandbox.workspace import WorkspaceTooLarge


def test_a_saved_workspace_is_written_again_with_its_permissions(tmp_path):
    compiled = Workspace(tmp_path)
    compiled.write([("main.c", b"int main(){}"), ("classes/pkg/Main.class", b"\xca\xfe")])
    (compiled.path / "main").write_bytes(b"\x7fELF")
    os.chmod(compiled.path / "main", 0o755)
    (compiled.path / ".zig-cache").mkdir()
    (compiled.path / ".zig-cache" / "o").write_bytes(b"cache")
    (compiled.tmp / "scratch").write_bytes(b"compiler's temporary")
    (compiled.path / "link").symlink_to("/etc/passwd")
    os.mkfifo(compiled.path / "fifo")

    saved = compiled.save({".zig-cache"}, max_files=10, max_bytes=1000)
    assert sorted(file.name for file in saved) == ["classes/pkg/Main.class", "main", "main.c"]

    fresh = Workspace(tmp_path)
    fresh.write(saved)
    assert (fresh.path / "main").read_bytes() == b"\x7fELF"
    assert os.stat(fresh.path / "main").st_mode & 0o777 == 0o700  # the owner's bits only
    assert os.stat(fresh.path / "main.c").st_mode & 0o777 == 0o600
    assert (fresh.path / "classes/pkg/Main.class").read_bytes() == b"\xca\xfe"
    assert sorted(os.listdir(fresh.path)) == [".tmp", "classes", "main", "main.c"]


def test_a_workspace_too_large_to_keep_is_refused(tmp_path):
    workspace = Workspace(tmp_path)
    workspace.write([(f"f{index}", b"x" * 10) for index in range(5)])
    with pytest.raises(WorkspaceTooLarge):
        workspace.save(set(), max_files=4, max_bytes=1000)
    with pytest.raises(WorkspaceTooLarge):
        workspace.save(set(), max_files=10, max_bytes=49)
    assert len(workspace.save(set(), max_files=5, max_bytes=50)) == 5
