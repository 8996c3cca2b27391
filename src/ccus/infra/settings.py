"""Settings for every process of the back office, read from the environment.

With nothing set, the embedded stack under ``CCUS_HOME`` (default ``./.ccus``) is used and its
ports derive from ``CCUS_PORT_BASE``. Setting ``DATABASE_URL``, ``S3_ENDPOINT_URL`` (+ keys and
bucket), ``PREFECT_API_URL`` or ``SMTP_URL`` points the same code at those servers instead, and the
launcher then starts none of its own for that service.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The identity the embedded SeaweedFS is started with: fine on this machine's own stack, refused
# anywhere else (a real S3 must never be reached with keys published in the source).
EMBEDDED_S3_ACCESS_KEY = "ccus-local-access"
EMBEDDED_S3_SECRET_KEY = "ccus-local-secret-key"


class Settings(BaseSettings):
    # No populate_by_name: with env_prefix "" it also reads each field's *name* from the
    # environment, so HOME (always set) became ``home`` and the stack landed in $HOME. Construct
    # with aliases (Settings(CCUS_HOME=…)) or use model_copy(update={"home": …}).
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    home: Path = Field(default=Path(".ccus"), alias="CCUS_HOME")
    port_base: int = Field(default=15400, alias="CCUS_PORT_BASE")

    # External servers: when set, the launcher starts nothing for that service.
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    prefect_database_url: str | None = Field(default=None, alias="PREFECT_SERVER_DATABASE_CONNECTION_URL")
    s3_endpoint_url: str | None = Field(default=None, alias="S3_ENDPOINT_URL")
    aws_access_key_id: str = Field(default=EMBEDDED_S3_ACCESS_KEY, alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: str = Field(default=EMBEDDED_S3_SECRET_KEY, alias="AWS_SECRET_ACCESS_KEY")
    aws_region: str = Field(default="us-east-1", alias="AWS_DEFAULT_REGION")
    s3_bucket: str = Field(default="ccus-documents", alias="S3_BUCKET")
    prefect_api_url: str | None = Field(default=None, alias="PREFECT_API_URL")
    smtp_url: str | None = Field(default=None, alias="SMTP_URL")

    # The web app (review UI + internet-channel API).
    web_host: str = Field(default="127.0.0.1", alias="CCUS_WEB_HOST")
    web_port: int | None = Field(default=None, alias="CCUS_WEB_PORT")
    portal_login_url: str = Field(default="https://portal.ccus.example.jp/login", alias="CCUS_LOGIN_URL")
    mail_from: str = Field(default="noreply@ccus.example.jp", alias="CCUS_MAIL_FROM")

    # Limits for attachments on the internet channel.
    max_attachment_bytes: int = Field(default=20 * 1024 * 1024, alias="CCUS_MAX_ATTACHMENT_BYTES")
    max_image_pixels: int = Field(default=60_000_000, alias="CCUS_MAX_IMAGE_PIXELS")
    # Hard cap on the bytes of one upload (all parts), counted as they arrive (chunked bodies too).
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, alias="CCUS_MAX_UPLOAD_BYTES")

    # The postal scanner's folder (default: ``scanner`` under CCUS_HOME).
    mail_intake_dir: Path | None = Field(default=None, alias="CCUS_MAIL_INTAKE_DIR")
    # A fail point (ccus.infra.faults) at which the process kills itself: crash-and-rerun tests only.
    fault: str | None = Field(default=None, alias="CCUS_FAULT")
    # The fonts the hand-filled sample paper is written in (bench, tests): where they are kept, and
    # the npm registry they come from (npm's own setting when unset).
    font_cache: Path | None = Field(default=None, alias="CCUS_FONT_CACHE")
    # How often a Prefect worker asks the server for runs to start (Prefect's default: 10 s). A
    # triggered run waits up to this long before its process starts.
    worker_query_seconds: float = Field(default=10.0, gt=0, alias="PREFECT_WORKER_QUERY_SECONDS")
    xdg_cache_home: Path | None = Field(default=None, alias="XDG_CACHE_HOME")
    npm_registry: str | None = Field(default=None, validation_alias=AliasChoices("npm_config_registry",
                                                                                 "NPM_CONFIG_REGISTRY"))

    @field_validator("mail_intake_dir", "fault", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _no_embedded_s3_keys_outside_the_embedded_stack(self) -> Settings:
        if self.s3_endpoint_url is None or self.s3_endpoint_url.rstrip("/") == self.embedded_s3_url:
            return self
        published = [name for name, value, default in (
            ("AWS_ACCESS_KEY_ID", self.aws_access_key_id, EMBEDDED_S3_ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", self.aws_secret_access_key, EMBEDDED_S3_SECRET_KEY),
        ) if value == default]
        if published:
            raise ValueError(
                f"S3_ENDPOINT_URL={self.s3_endpoint_url} is not the embedded stack's S3 "
                f"({self.embedded_s3_url}), but {' and '.join(published)} still hold the embedded "
                f"stack's published default: set {' and '.join(published)} to the credentials of that S3")
        return self

    # Ports of the embedded stack (derived from port_base so two stacks can run side by side).
    @property
    def pg_port(self) -> int:
        return self.port_base

    @property
    def s3_port(self) -> int:
        return self.port_base + 1

    @property
    def prefect_port(self) -> int:
        return self.port_base + 2

    @property
    def smtp_port(self) -> int:
        return self.port_base + 3

    @property
    def web_port_effective(self) -> int:
        return self.web_port if self.web_port is not None else self.port_base + 4

    @property
    def weed_port_base(self) -> int:
        """First of the ten ports reserved for SeaweedFS's internal servers."""
        return self.port_base + 10

    # Effective endpoints.
    @property
    def db_url(self) -> str:
        return self.database_url or f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}/ccus"

    @property
    def prefect_db_url(self) -> str:
        return (
            self.prefect_database_url
            or f"postgresql+asyncpg://postgres@127.0.0.1:{self.pg_port}/prefect"
        )

    @property
    def embedded_s3_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def s3_url(self) -> str:
        return self.s3_endpoint_url or self.embedded_s3_url

    @property
    def prefect_api(self) -> str:
        return self.prefect_api_url or f"http://127.0.0.1:{self.prefect_port}/api"

    @property
    def smtp(self) -> str:
        return self.smtp_url or f"smtp://127.0.0.1:{self.smtp_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.web_host}:{self.web_port_effective}"

    # Local folders of the embedded stack.
    @property
    def home_abs(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def pgdata(self) -> Path:
        return self.home_abs / "pgdata"

    @property
    def s3_dir(self) -> Path:
        return self.home_abs / "seaweedfs"

    @property
    def maildir(self) -> Path:
        """Where the local SMTP server keeps what it receives (a Maildir)."""
        return self.home_abs / "mail"

    @property
    def mail_intake_root(self) -> Path:
        """The scanner's folder: ``CCUS_MAIL_INTAKE_DIR``, default ``$CCUS_HOME/scanner``."""
        return self.mail_intake_dir if self.mail_intake_dir is not None else self.home_abs / "scanner"

    @property
    def log_dir(self) -> Path:
        return self.home_abs / "logs"

    @property
    def run_dir(self) -> Path:
        return self.home_abs / "run"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def embedded_settings(home: Path, port_base: int) -> Settings:
    """Settings of an embedded stack of its own in ``home`` on ``port_base`` (tests, benchmarks),
    whatever DATABASE_URL, PREFECT_API_URL … the environment has."""
    return Settings(CCUS_HOME=home, CCUS_PORT_BASE=port_base, DATABASE_URL=None,
                    PREFECT_SERVER_DATABASE_CONNECTION_URL=None, S3_ENDPOINT_URL=None, PREFECT_API_URL=None,
                    SMTP_URL=None)


def reset_settings() -> None:
    get_settings.cache_clear()
