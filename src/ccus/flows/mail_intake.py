"""Flow: take the postal scanner's files in, a batch of files per task.

Without paths, the flow drains the watched inbox (files unchanged for ``settle_seconds``), batch
after batch, until it is empty; with paths, it takes those files. Each task takes up to
``batch_size`` files (split, store, record; the reading is the pipeline's extract stage), so a
task's orchestration cost is shared by many pages. A task that dies leaves its files in ``work/``;
the next run puts files abandoned there for ``stale_seconds`` back into the inbox.

With ``drain_pipeline`` (the default) the same flow run then drains the automatic stages with the
pipeline's own tasks, so a scanned batch is read and awaits review without waiting for the next
scheduled ``process-pipeline`` run, and without a second flow run's orchestration cost (about a
second against a local server). Claims are ``SKIP LOCKED``: both flows may drain at once.
Both drain with the one loop of tasks/drain.py (only the stage runs are tasks).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, task

from ccus.flows.pipeline import READING_STAGES
from ccus.services.intake.postal import Folders, drain_inbox, intake_file, intake_root, recover_work
from ccus.tasks.drain import drain


@task(name="intake-batch")
def intake_batch(root: str, paths: list[str] | None = None, limit: int = 20, settle_seconds: float = 5.0
                 ) -> list[dict[str, Any]]:
    folders = Folders(Path(root))
    if paths is not None:
        return [asdict(intake_file(Path(p), folders)) for p in paths]
    return [asdict(o) for o in drain_inbox(folders, settle_seconds=settle_seconds, limit=limit)]


@flow(name="mail-intake")
def mail_intake(paths: list[str] | None = None, root: str | None = None, batch_size: int = 20,
                settle_seconds: float = 5.0, stale_seconds: float = 600.0, max_batches: int = 100,
                drain_pipeline: bool = True, pipeline_batch_size: int = 50) -> dict[str, Any]:
    folders = Folders(Path(root) if root else intake_root()).create()
    outcomes: list[dict[str, Any]] = []
    if paths:
        for i in range(0, len(paths), batch_size):
            outcomes += intake_batch(str(folders.root), paths[i:i + batch_size])
    else:
        recover_work(folders, stale_seconds)
        for _ in range(max_batches):
            batch = intake_batch(str(folders.root), None, batch_size, settle_seconds)
            outcomes += batch
            if len(batch) < batch_size:
                break
    summary: dict[str, Any] = {"files": len(outcomes), "cases": [c for o in outcomes for c in o["cases"]]}
    if drain_pipeline and summary["cases"]:
        summary["pipeline"] = drain(READING_STAGES, batch_size=pipeline_batch_size, max_rounds=1000)
    for outcome in ("processed", "duplicate", "quarantined", "failed", "refused"):
        summary[outcome] = sum(1 for o in outcomes if o["status"] == outcome)
    return summary
