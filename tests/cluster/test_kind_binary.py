"""Finding kind: PATH first, else the pinned release, downloaded and verified by sha256.

Downloads are test doubles (``fake_download``): there is no internet here, and the point is what
happens to bytes that do or do not match the pin.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from gitops_tui.cluster.providers import kind_binary
from gitops_tui.cluster.providers.base import ProviderError
from gitops_tui.cluster.providers.kind_binary import (
    KIND_SHA256,
    KIND_VERSION,
    cache_dir,
    find_kind,
    platform_key,
)

FAKE_BYTES = b"#!/bin/sh\necho fake kind\n"


class FakeDownload:
    """Stands in for the HTTPS download: writes fixed bytes and records the URL asked for."""

    def __init__(self, payload: bytes = FAKE_BYTES) -> None:
        self.payload = payload
        self.urls: list[str] = []

    def __call__(self, url: str, target: Path) -> None:
        self.urls.append(url)
        target.write_bytes(self.payload)


def no_download(url: str, target: Path) -> None:
    raise AssertionError(f"nothing should be downloaded, asked for {url}")


@pytest.fixture
def empty_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH without kind on it."""
    bare = tmp_path / "empty-bin"
    bare.mkdir()
    monkeypatch.setenv("PATH", str(bare))


@pytest.fixture
def pinned_to_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin linux/amd64 to the fake bytes, so a 'good' download can be told from a bad one."""
    fake = {**KIND_SHA256, "linux/amd64": hashlib.sha256(FAKE_BYTES).hexdigest()}
    monkeypatch.setattr(kind_binary, "KIND_SHA256", fake)


def test_kind_on_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kind = bin_dir / "kind"
    kind.write_text("#!/bin/sh\n")
    kind.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert find_kind(tmp_path / "cache", fetch=no_download) == kind


@pytest.mark.usefixtures("empty_path", "pinned_to_fake")
def test_download_is_verified_then_made_executable_and_cached(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fetch = FakeDownload()
    binary = find_kind(cache, fetch=fetch, platform_name="linux/amd64")
    assert binary == cache / f"kind-{KIND_VERSION}"
    assert fetch.urls == [
        f"https://github.com/kubernetes-sigs/kind/releases/download/{KIND_VERSION}/kind-linux-amd64"
    ]
    assert os.access(binary, os.X_OK)
    assert sorted(p.name for p in cache.iterdir()) == [binary.name]
    assert find_kind(cache, fetch=no_download, platform_name="linux/amd64") == binary


@pytest.mark.usefixtures("empty_path")
def test_checksum_mismatch_deletes_the_download(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(ProviderError, match="not the published release") as caught:
        find_kind(cache, fetch=FakeDownload(b"tampered"), platform_name="linux/arm64")
    assert KIND_SHA256["linux/arm64"] in str(caught.value)
    assert list(cache.iterdir()) == []


@pytest.mark.usefixtures("empty_path", "pinned_to_fake")
def test_a_tampered_cache_is_downloaded_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"kind-{KIND_VERSION}").write_bytes(b"tampered")
    fetch = FakeDownload()
    binary = find_kind(cache, fetch=fetch, platform_name="linux/amd64")
    assert len(fetch.urls) == 1
    assert binary.read_bytes() == FAKE_BYTES


@pytest.mark.usefixtures("empty_path")
def test_a_failed_download_is_a_clear_error(tmp_path: Path) -> None:
    def offline(url: str, target: Path) -> None:
        target.write_bytes(b"half")
        raise OSError("Network is unreachable")

    cache = tmp_path / "cache"
    with pytest.raises(ProviderError, match=r"cannot download kind .*--cluster embedded"):
        find_kind(cache, fetch=offline, platform_name="darwin/arm64")
    assert list(cache.iterdir()) == []


@pytest.mark.usefixtures("empty_path")
def test_unpinned_platform_says_to_install_kind(tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match=r"not pinned for windows/amd64.*PATH"):
        find_kind(tmp_path, fetch=no_download, platform_name="windows/amd64")


def test_every_pinned_platform_has_a_sha256() -> None:
    assert sorted(KIND_SHA256) == ["darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64"]
    assert all(len(v) == 64 and int(v, 16) >= 0 for v in KIND_SHA256.values())


@pytest.mark.parametrize(
    ("system", "machine", "key"),
    [
        ("Linux", "x86_64", "linux/amd64"),
        ("Linux", "aarch64", "linux/arm64"),
        ("Darwin", "arm64", "darwin/arm64"),
        ("Darwin", "x86_64", "darwin/amd64"),
    ],
)
def test_platform_key(system: str, machine: str, key: str) -> None:
    assert platform_key(system, machine) == key


def test_cache_dir_follows_xdg(tmp_path: Path) -> None:
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "gitops-tui" / "bin"
    home_cache = Path.home() / ".cache" / "gitops-tui" / "bin"
    assert cache_dir({"XDG_CACHE_HOME": "relative"}) == home_cache
    assert cache_dir({}) == home_cache


def test_download_refuses_plain_http(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="HTTPS"):
        kind_binary.download("http://example.invalid/kind", tmp_path / "kind")
