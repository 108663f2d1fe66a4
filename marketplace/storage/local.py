"""Files on this host's disk: public media under MEDIA_ROOT (served at /media/<key>), private files under the
instance folder (INSTANCE_PATH/labels, exports, imports, feeds, private) — the embedded default."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .base import CHUNK, PRIVATE_PREFIXES, StoredFile, check_key, is_private


class LocalStorage:
    id = "local"

    def __init__(self, media_root: str | Path, instance_path: str | Path):
        self.media_root = Path(media_root)
        self.private_root = Path(instance_path)

    def path(self, key: str) -> Path:
        """The file of `key` on disk (public keys under MEDIA_ROOT, private ones under the instance folder)."""
        check_key(key)
        return (self.private_root if is_private(key) else self.media_root) / key

    def save(self, key: str, data, content_type: str | None = None) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                if isinstance(data, bytes | bytearray | memoryview):
                    out.write(data)
                else:
                    shutil.copyfileobj(data, out, CHUNK)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)  # readers only ever see a whole file
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def open(self, key: str) -> IO[bytes]:
        return self.path(key).open("rb")

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except KeyError:
            return False

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        folders = []  # (root the keys are relative to, folder to walk)
        if not is_private(prefix):
            folders.append((self.media_root, self.media_root))
        # private files live in the instance folder's own sub-folders (labels/, exports/, …), never elsewhere in it
        folders += [
            (self.private_root, self.private_root / top.rstrip("/"))
            for top in PRIVATE_PREFIXES
            if top.startswith(prefix) or prefix.startswith(top)
        ]
        found = []
        for root, start in folders:
            if not start.is_dir():
                continue
            for folder, _dirs, files in os.walk(start):
                for name in files:
                    if name.endswith(".tmp") or name.startswith(".ready-"):
                        continue
                    path = Path(folder) / name
                    key = path.relative_to(root).as_posix()
                    if key.startswith(prefix) and (root == self.private_root) == is_private(key):
                        found.append(StoredFile(key, path.stat().st_size))
        return iter(sorted(found, key=lambda f: f.key))

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def checksum(self, key: str) -> str:
        digest = hashlib.sha256()
        with self.open(key) as stream:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def url(self, key: str, *, private: bool = False, expires: int = 300) -> str:
        check_key(key)
        if private or is_private(key):
            raise KeyError(f"{key}: a private file is served by its own route, after its access checks")
        return "/media/" + key

    def check(self) -> None:
        self.media_root.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".ready-", dir=self.media_root)
        os.close(handle)
        os.unlink(name)


class _Plugin:
    id = "local"
    position = 10

    @staticmethod
    def build(config) -> LocalStorage:
        return LocalStorage(config["MEDIA_ROOT"], config["INSTANCE_PATH"])


PLUGIN = _Plugin()
