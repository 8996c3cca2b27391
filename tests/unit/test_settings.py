"""Settings read from the environment: the embedded stack's published S3 keys are refused for any
other S3, naming the variable to set."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ccus.infra.settings import Settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a stack of the same session may have exported does not leak into these settings."""
    for name in ("S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "CCUS_PORT_BASE", "CCUS_HOME",
                 "CCUS_MAIL_INTAKE_DIR", "CCUS_FAULT"):
        monkeypatch.delenv(name, raising=False)


def test_embedded_keys_are_refused_for_an_s3_that_is_not_the_embedded_stacks() -> None:
    with pytest.raises(ValidationError, match="AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"):
        Settings(S3_ENDPOINT_URL="https://s3.ap-northeast-1.amazonaws.com")


def test_a_default_secret_alone_is_named() -> None:
    with pytest.raises(ValidationError, match=r"set AWS_SECRET_ACCESS_KEY to the credentials") as caught:
        Settings(S3_ENDPOINT_URL="https://s3.example.jp", AWS_ACCESS_KEY_ID="AKIAREAL")
    assert "AWS_ACCESS_KEY_ID" not in str(caught.value).split("but", 1)[1]


def test_real_keys_for_an_external_s3_and_the_defaults_for_the_embedded_one_are_accepted() -> None:
    external = Settings(S3_ENDPOINT_URL="https://s3.example.jp", AWS_ACCESS_KEY_ID="AKIAREAL",
                        AWS_SECRET_ACCESS_KEY="a-real-secret")
    assert external.s3_url == "https://s3.example.jp"
    embedded = Settings(CCUS_PORT_BASE=20000)
    assert embedded.s3_url == "http://127.0.0.1:20001"
    # What the launcher exports to its child processes: the embedded endpoint, spelled out.
    assert Settings(CCUS_PORT_BASE=20000, S3_ENDPOINT_URL="http://127.0.0.1:20001/").s3_endpoint_url


def test_scanner_folder_and_fail_point_come_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("CCUS_HOME", str(tmp_path))
    assert Settings().mail_intake_root == tmp_path.resolve() / "scanner"
    assert Settings().fault is None
    monkeypatch.setenv("CCUS_MAIL_INTAKE_DIR", str(tmp_path / "inbox-here"))
    monkeypatch.setenv("CCUS_FAULT", "after_ids")
    assert Settings().mail_intake_root == tmp_path / "inbox-here"
    assert Settings().fault == "after_ids"
    monkeypatch.setenv("CCUS_MAIL_INTAKE_DIR", "")
    assert Settings().mail_intake_root == tmp_path.resolve() / "scanner"


def test_no_module_but_settings_reads_an_environment_variable() -> None:
    import re

    import ccus

    reads = re.compile(r"os\.getenv\(|os\.environ\.get\(|os\.environ\[[^\]]+\](?!\s*=)")  # writes for child processes are fine
    src = Path(ccus.__file__).parent
    found = [f"{path.relative_to(src)}:{n}" for path in sorted(src.rglob("*.py")) if path.name != "settings.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if reads.search(line)]
    assert not found, f"read these through ccus.infra.settings: {found}"
