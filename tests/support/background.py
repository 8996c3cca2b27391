"""Checks that take long on the CPU alone (the type checker) are started when the session's tests
are collected, at a low priority, so they use what the stack tests leave idle while waiting on their
servers; their test then collects the result. The stash keys live here, for conftest and tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).parents[2]
MYPY_TEST = "tests/unit/test_code_quality.py::test_mypy_passes"
MYPY_ARGS = ("mypy", "src/ccus")
MYPY_RUN = pytest.StashKey["subprocess.Popen[str]"]()


def start_mypy() -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", *MYPY_ARGS], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, preexec_fn=lambda: os.nice(10))
