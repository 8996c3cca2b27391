"""Document storage in S3 (SeaweedFS locally, any S3 in production), content-addressed."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from ccus.infra.settings import Settings, get_settings


@lru_cache(maxsize=4)
def _client(endpoint: str, key: str, secret: str, region: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name=region,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}),
    )


def client(settings: Settings | None = None) -> Any:
    s = settings or get_settings()
    return _client(s.s3_url, s.aws_access_key_id, s.aws_secret_access_key, s.aws_region)


def document_key(sha256: str) -> str:
    """Content-addressed key: the same bytes are stored once, whoever sends them."""
    return f"documents/sha256/{sha256[:2]}/{sha256}"


def put_bytes(key: str, data: bytes, media_type: str, settings: Settings | None = None) -> None:
    s = settings or get_settings()
    client(s).put_object(Bucket=s.s3_bucket, Key=key, Body=data, ContentType=media_type)


def put_if_absent(key: str, data: bytes, media_type: str, settings: Settings | None = None) -> bool:
    """Store ``data`` unless an object of that key exists already. Returns True if written."""
    if exists(key, settings):
        return False
    put_bytes(key, data, media_type, settings)
    return True


def get_bytes(key: str, settings: Settings | None = None) -> bytes:
    s = settings or get_settings()
    body: bytes = client(s).get_object(Bucket=s.s3_bucket, Key=key)["Body"].read()
    return body


def exists(key: str, settings: Settings | None = None) -> bool:
    s = settings or get_settings()
    try:
        client(s).head_object(Bucket=s.s3_bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise
    return True


def uri(key: str, settings: Settings | None = None) -> str:
    s = settings or get_settings()
    return f"s3://{s.s3_bucket}/{key}"


def delete(key: str, settings: Settings | None = None) -> None:
    """Delete an object; deleting one that is already gone is not an error."""
    s = settings or get_settings()
    client(s).delete_object(Bucket=s.s3_bucket, Key=key)
