"""The local backend keeps today's places: public keys under MEDIA_ROOT, private keys (labels, exports, imports,
feeds, certificate scans) in the instance folder; no key escapes its folder."""

from __future__ import annotations

import io

import pytest

from marketplace.config import build_config
from marketplace.storage import is_private, sha256_bytes
from marketplace.storage.local import LocalStorage


@pytest.fixture
def local(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "instance" / "media", tmp_path / "instance")


def test_public_and_private_keys_keep_their_folders(local, tmp_path):
    local.save("products/1/abc.jpg", b"jpeg", "image/jpeg")
    local.save("labels/run-1.pdf", io.BytesIO(b"%PDF"), "application/pdf")
    local.save("private/cooperatives/1/ocop-x.jpg", b"scan")

    assert (tmp_path / "instance/media/products/1/abc.jpg").read_bytes() == b"jpeg"
    assert (tmp_path / "instance/labels/run-1.pdf").read_bytes() == b"%PDF"
    assert (tmp_path / "instance/private/cooperatives/1/ocop-x.jpg").read_bytes() == b"scan"
    assert local.url("products/1/abc.jpg") == "/media/products/1/abc.jpg"
    with pytest.raises(KeyError):
        local.url("labels/run-1.pdf")  # private: served by its own route, after access checks
    assert is_private("labels/run-1.pdf") and not is_private("products/1/abc.jpg")
    assert [f.key for f in local.list("")] == [
        "labels/run-1.pdf",
        "private/cooperatives/1/ocop-x.jpg",
        "products/1/abc.jpg",
    ]
    assert [(f.key, f.size) for f in local.list("products/1/ab")] == [("products/1/abc.jpg", 4)]
    assert local.checksum("labels/run-1.pdf") == sha256_bytes(b"%PDF") and local.size("labels/run-1.pdf") == 4


def test_the_instance_folders_own_files_are_not_storage(local, tmp_path):
    (tmp_path / "instance").mkdir(parents=True)
    (tmp_path / "instance/secret_key").write_text("k")
    (tmp_path / "instance/ocop.sqlite").write_bytes(b"db")
    assert list(local.list("")) == []


@pytest.mark.parametrize("key", ["../secret_key", "products/../../secret_key", "/etc/passwd", "a//b", "", "a\\b"])
def test_no_key_escapes_its_folder(local, key):
    with pytest.raises(KeyError):
        local.save(key, b"x")
    assert local.exists(key) is False


def test_delete_and_read_a_missing_file(local):
    local.save("trace/3/x.jpg", b"1")
    local.delete("trace/3/x.jpg")
    local.delete("trace/3/x.jpg")  # nothing there: no error
    assert not local.exists("trace/3/x.jpg")
    with pytest.raises(FileNotFoundError):
        local.read("trace/3/x.jpg")


def test_the_app_refuses_an_unknown_backend_or_s3_without_a_bucket(tmp_path):
    with pytest.raises(RuntimeError, match="STORAGE must be local or s3"):
        build_config({"INSTANCE_PATH": str(tmp_path), "STORAGE": "ftp"})
    with pytest.raises(RuntimeError, match="S3_BUCKET"):
        build_config({"INSTANCE_PATH": str(tmp_path), "STORAGE": "s3", "S3_BUCKET": None})
