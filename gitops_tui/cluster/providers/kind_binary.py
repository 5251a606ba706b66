"""Find a ``kind`` executable: the user's own from PATH, else a pinned, checksum-verified download.

Running a binary fetched from the internet is only acceptable when we know exactly which bytes
we run: the release is pinned and its sha256 per platform is part of our source. A download
that does not match is deleted before it can ever be made executable; a cached copy is checked
again on every use, so a tampered cache is caught too.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from gitops_tui.cluster.providers.base import ProviderError

KIND_VERSION = "v0.33.0"
#: sha256 of each release binary, as published next to it (``kind-<os>-<arch>.sha256sum``).
KIND_SHA256: Mapping[str, str] = {
    "linux/amd64": "aee6151561422756b764a4ae28e7f44cda5af5a9eead3cc9985112b1de8d8e0d",
    "linux/arm64": "20022bee6cfcd5086cb7234d218e3454e6090022f2a8f55d1fa7fcf42c3867a2",
    "darwin/amd64": "5a99f26f57246dc9319dd294803313197a0f34d33c525b3ea8b655db5916ece0",
    "darwin/arm64": "0c8c7dbe5e23594a198b786c4bc13dacc101fa6196b0cb0b23a1ca44e61f4b4f",
}
KIND_URL = "https://github.com/kubernetes-sigs/kind/releases/download/{version}/kind-{platform}"
DOWNLOAD_TIMEOUT = 60.0
INSTALL_HINT = (
    "install kind yourself (https://kind.sigs.k8s.io/docs/user/quick-start/) and put it on PATH"
)

Downloader = Callable[[str, Path], None]

_MACHINES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def platform_key(system: str | None = None, machine: str | None = None) -> str:
    """``linux/amd64``-style name of this machine, as kind names its release binaries."""
    system = (system or platform.system()).lower()
    machine = (machine or platform.machine()).lower()
    return f"{system}/{_MACHINES.get(machine, machine)}"


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_CACHE_HOME/gitops-tui/bin`` (``~/.cache`` when unset or relative, as XDG says)."""
    xdg = environ.get("XDG_CACHE_HOME", "")
    root = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return root / "gitops-tui" / "bin"


def download(url: str, target: Path) -> None:
    """Fetch ``url`` into ``target`` (HTTPS only)."""
    if not url.startswith("https://"):
        raise ValueError(f"refusing to download over anything but HTTPS: {url}")
    response = urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT)  # noqa: S310 (https only)
    with response, target.open("wb") as out:
        shutil.copyfileobj(response, out)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_kind(
    cache: Path | None = None,
    *,
    fetch: Downloader = download,
    platform_name: str | None = None,
) -> Path:
    """``kind`` from PATH if there is one, else the pinned release in ``cache`` (fetched once)."""
    on_path = shutil.which("kind")
    if on_path:
        return Path(on_path)
    key = platform_name or platform_key()
    expected = KIND_SHA256.get(key)
    if expected is None:
        raise ProviderError(f"kind {KIND_VERSION} is not pinned for {key}: {INSTALL_HINT}")
    cache = cache or cache_dir()
    binary = cache / f"kind-{KIND_VERSION}"
    if binary.is_file() and sha256_of(binary) == expected:
        return binary
    cache.mkdir(parents=True, exist_ok=True)
    url = KIND_URL.format(version=KIND_VERSION, platform=key.replace("/", "-"))
    partial = binary.with_name(binary.name + ".download")
    try:
        fetch(url, partial)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ProviderError(
            f"cannot download kind {KIND_VERSION} from {url}: {exc}; {INSTALL_HINT}, "
            "or run without Docker: --cluster embedded"
        ) from exc
    actual = sha256_of(partial)
    if actual != expected:
        partial.unlink()
        raise ProviderError(
            f"the kind {KIND_VERSION} download from {url} is not the published release "
            f"(sha256 {actual}, expected {expected}), so it was deleted and not run; "
            f"try again, or {INSTALL_HINT}"
        )
    partial.chmod(0o755)
    partial.replace(binary)
    return binary
