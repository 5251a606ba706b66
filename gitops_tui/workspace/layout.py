"""Where a sandbox keeps its files, and which files in a working tree count as manifests.

The tool's own files (the bare repository the agent reads, later the kubeconfig) live in a state
directory outside the working tree, so they can never end up in the user's commits. Its default
follows the XDG base directory spec and is keyed by a hash of the tree's absolute path, so two
sandboxes never share a bare repository.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from gitops_tui.manifests.loader import KUSTOMIZATION_FILES, MANIFEST_SUFFIXES

STATE_DIR_ENV = "GITOPS_TUI_STATE_DIR"
REMOTE_NAME = "sandbox"
BARE_REPO_NAME = "repo.git"
CONFIG_FILE = ".gitops-tui.yaml"


def resolve_state_dir(
    worktree: Path, state_dir: Path | None = None, environ: Mapping[str, str] = os.environ
) -> Path:
    """The state directory of ``worktree``: ``state_dir``, else ``$GITOPS_TUI_STATE_DIR``, else
    ``$XDG_STATE_HOME/gitops-tui/<name>-<hash>`` (``~/.local/state`` when XDG is unset)."""
    if state_dir is not None:
        return state_dir.expanduser().resolve()
    if override := environ.get(STATE_DIR_ENV):
        return Path(override).expanduser().resolve()
    xdg = environ.get("XDG_STATE_HOME", "")
    # The spec says to ignore a relative XDG_STATE_HOME.
    root = Path(xdg) if Path(xdg).is_absolute() else Path.home() / ".local" / "state"
    digest = hashlib.sha256(str(worktree).encode()).hexdigest()[:16]
    return root / "gitops-tui" / f"{worktree.name or 'root'}-{digest}"


def is_manifest_path(path: str) -> bool:
    """Whether a tree-relative POSIX path is one gitops-tui commits without being asked.

    The files the manifest loader reads (YAML and JSON), kustomizations and the root
    ``.gitops-tui.yaml`` count; anything under a hidden directory (``.github/workflows``) does
    not, so what a commit takes is what the preview showed.
    """
    if path == CONFIG_FILE:
        return True
    pure = PurePosixPath(path)
    if any(part.startswith(".") for part in pure.parts):
        return False
    return pure.suffix in MANIFEST_SUFFIXES or pure.name in KUSTOMIZATION_FILES
