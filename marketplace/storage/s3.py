"""Files in an S3-compatible bucket through boto3 (AWS, MinIO, Ceph, moto in the tests): every host sees the same
files. Public media live under `media/<key>` (make only that prefix public, or serve it through the app's /media
route); private files under their own key (`labels/…`, `exports/…`, …), read only by the app or a presigned URL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import IO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .base import CHUNK, StorageError, StoredFile, check_key, is_private

PUBLIC_PREFIX = "media/"
SHA_META = "sha256"


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


class S3Storage:
    id = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        public_base_url: str | None = None,
    ):
        if not bucket:
            raise StorageError("STORAGE=s3 needs S3_BUCKET")
        self.bucket = bucket
        self.public_base_url = (public_base_url or "").rstrip("/") or None
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or "us-east-1",
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            config=Config(
                connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}, s3={"addressing_style": "path"}
            ),
        )

    def object_key(self, key: str) -> str:
        check_key(key)
        return key if is_private(key) else PUBLIC_PREFIX + key

    def _key(self, object_key: str) -> str:
        return object_key[len(PUBLIC_PREFIX) :] if object_key.startswith(PUBLIC_PREFIX) else object_key

    def save(self, key: str, data, content_type: str | None = None) -> None:
        body = data if isinstance(data, bytes | bytearray) else data.read()
        extra = {"ContentType": content_type} if content_type else {}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.object_key(key),
                Body=bytes(body),
                Metadata={SHA_META: hashlib.sha256(body).hexdigest()},
                **extra,
            )
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"S3 put {key}: {error}") from error

    def get(self, key: str) -> dict:
        """The object's GetObject answer: `Body` (a stream), `ContentLength`, `ETag`, `LastModified`."""
        return self._get(key)

    def _get(self, key: str):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(key) from None
            raise StorageError(f"S3 get {key}: {error}") from error
        except BotoCoreError as error:
            raise StorageError(f"S3 get {key}: {error}") from error

    def read(self, key: str) -> bytes:
        return self._get(key)["Body"].read()

    def open(self, key: str) -> IO[bytes]:
        return self._get(key)["Body"]

    def head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as error:
            if _missing(error):
                return None
            raise StorageError(f"S3 head {key}: {error}") from error
        except BotoCoreError as error:
            raise StorageError(f"S3 head {key}: {error}") from error

    def exists(self, key: str) -> bool:
        try:
            return self.head(key) is not None
        except KeyError:
            return False

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"S3 delete {key}: {error}") from error

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        prefixes = [prefix] if is_private(prefix) else [PUBLIC_PREFIX + prefix]
        if not prefix:
            prefixes = [""]
        found = []
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for object_prefix in prefixes:
                for page in paginator.paginate(Bucket=self.bucket, Prefix=object_prefix):
                    for item in page.get("Contents", []):
                        key = self._key(item["Key"])
                        if key.startswith(prefix) and (item["Key"].startswith(PUBLIC_PREFIX) or is_private(key)):
                            found.append(StoredFile(key, int(item["Size"])))
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"S3 list {prefix}: {error}") from error
        return iter(sorted(found, key=lambda f: f.key))

    def size(self, key: str) -> int:
        head = self.head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    def checksum(self, key: str) -> str:
        """SHA-256 recorded at upload (metadata), else computed from the content."""
        head = self.head(key)
        if head is None:
            raise FileNotFoundError(key)
        recorded = (head.get("Metadata") or {}).get(SHA_META)
        if recorded:
            return recorded
        digest = hashlib.sha256()
        body = self.open(key)
        for chunk in iter(lambda: body.read(CHUNK), b""):
            digest.update(chunk)
        return digest.hexdigest()

    def content_checksum(self, key: str) -> str:
        """SHA-256 of the bytes actually stored (what `storage migrate` verifies)."""
        return hashlib.sha256(self.read(key)).hexdigest()

    def url(self, key: str, *, private: bool = False, expires: int = 300) -> str:
        if private or is_private(key):
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": self.object_key(key)}, ExpiresIn=expires
            )
        check_key(key)
        if self.public_base_url:
            return f"{self.public_base_url}/{key}"
        return "/media/" + key

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"S3 bucket {self.bucket}: {error}") from error


def stream(body, chunk: int = CHUNK) -> Iterator[bytes]:
    """The chunks of an S3 body (or any binary stream), closed at the end."""
    try:
        yield from iter(lambda: body.read(chunk), b"")
    finally:
        body.close()


class _Plugin:
    id = "s3"
    position = 20

    @staticmethod
    def build(config) -> S3Storage:
        return S3Storage(
            config.get("S3_BUCKET") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION"),
            access_key=config.get("AWS_ACCESS_KEY_ID"),
            secret_key=config.get("AWS_SECRET_ACCESS_KEY"),
            public_base_url=config.get("S3_PUBLIC_BASE_URL"),
        )


PLUGIN = _Plugin()


__all__ = ["PLUGIN", "PUBLIC_PREFIX", "S3Storage", "stream"]
