"""Starting flows through Prefect from processes that do not run them (the web app).

The database is the queue and scheduled drains pick up whatever is waiting, so a trigger is a
latency optimisation: when Prefect cannot be reached, the case waits for the next scheduled run.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

PIPELINE_DEPLOYMENT = "process-pipeline/process-pipeline"
ISSUANCE_DEPLOYMENT = "issue-approved/issue-approved"


def trigger(deployment: str) -> None:
    try:
        from prefect.deployments import run_deployment

        run_deployment(deployment, timeout=0)
    except Exception as exc:  # the scheduled drain will pick the case up
        log.info("could not trigger %s now (%s); the scheduled run will pick it up", deployment,
                 type(exc).__name__)
