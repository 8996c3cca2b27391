"""The linter and the type checker pass on the whole project (configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_mypy_passes() -> None:
    result = _run("mypy", "src/ccus")
    assert result.returncode == 0, f"mypy failed:\n{result.stdout}{result.stderr}"
