"""Fail points: ``CCUS_FAULT=<name>`` kills the process at that point (for crash-and-rerun tests).

The process dies with ``os._exit`` — no cleanup, no exception handlers, no commit — as it would
if the machine lost power there.
"""

from __future__ import annotations

import os

from ccus.infra.settings import get_settings

EXIT_CODE = 70


def point(name: str) -> None:
    if get_settings().fault == name:
        os._exit(EXIT_CODE)
