"""The watched intake folder: which files are ready, and that one worker takes each (no stack)."""

from __future__ import annotations

import os
from pathlib import Path

from ccus.services.intake.postal import Folders, claim_file, recover_work, stable_files


def test_only_settled_complete_files_are_ready(tmp_path: Path) -> None:
    folders = Folders(tmp_path).create()
    old, fresh = folders.inbox / "old.pdf", folders.inbox / "fresh.pdf"
    hidden, partial = folders.inbox / ".scan.pdf", folders.inbox / "scan.pdf.part"
    for p in (old, fresh, hidden, partial):
        p.write_bytes(b"%PDF-")
    for p in (old, hidden, partial):
        os.utime(p, (1000, 1000))
    os.utime(fresh, (1998, 1998))
    assert stable_files(folders.inbox, settle_seconds=5, now=2000) == [old]
    assert stable_files(folders.inbox, settle_seconds=1, now=2000) == [fresh, old]


def test_a_file_is_claimed_once_and_recovered_if_abandoned(tmp_path: Path) -> None:
    folders = Folders(tmp_path).create()
    path = folders.inbox / "batch-01.tif"
    path.write_bytes(b"II*\x00")
    claimed = claim_file(path, folders)
    assert claimed is not None and claimed.parent == folders.work and not path.exists()
    assert claim_file(path, folders) is None  # a second worker finds nothing
    os.utime(claimed, (1, 1))
    assert recover_work(folders, older_than_seconds=60) == [folders.inbox / "batch-01.tif"]
    assert (folders.inbox / "batch-01.tif").exists()
