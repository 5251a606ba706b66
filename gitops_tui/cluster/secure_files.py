"""Writing credentials: owner-only permissions from the first byte, replaced atomically.

Tokens, private keys and kubeconfigs must never be readable by other users, not even for the
moment between create and chmod, and a crash must never leave half a file.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(payload)
    tmp.chmod(0o600)
    tmp.replace(path)
