"""No tracked file names a path of the machine it was written on.

Why: a fresh clone runs elsewhere (CI clones into another folder); an absolute path of the build
machine in a script or a comment either breaks there or misleads the reader. The seeds are
``../shared/seeds`` relative to the project, or ``QIHU_SEEDS_DIR``.
"""

from __future__ import annotations

import subprocess

from tests.seeds import ROOT, SEEDS


def _tracked_text_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [name for name in listed.split("\0") if name]


def test_no_tracked_file_names_this_machines_paths() -> None:
    machine_paths = {str(p) for p in (ROOT, ROOT.parent, SEEDS.resolve()) if len(p.parts) > 1}
    offenders = []
    for name in _tracked_text_files():
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue  # binary files, and files deleted in the work tree
        offenders += [f"{name}: {p}" for p in machine_paths if f"{p}/" in text]
    assert not offenders, f"absolute machine paths in tracked files: {offenders}"
