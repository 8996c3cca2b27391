"""The linter and the type checker pass on the whole project (configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.background import MYPY_ARGS, MYPY_RUN

PROJECT_ROOT = Path(__file__).parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_ruff_check_passes() -> None:
    result = _run("ruff", "check", "src", "tests", "bench")
    assert result.returncode == 0, f"ruff check failed:\n{result.stdout}{result.stderr}"


def test_mypy_passes(request: pytest.FixtureRequest) -> None:
    started = request.config.stash.get(MYPY_RUN, None)  # at collection, when more tests run
    if started is not None:
        output, _ = started.communicate(timeout=900)
        returncode = started.returncode
    else:
        result = _run(*MYPY_ARGS)
        output, returncode = result.stdout + result.stderr, result.returncode
    assert returncode == 0, f"mypy failed:\n{output}"
