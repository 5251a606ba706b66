"""Files of a revision, straight from Git's object store, and written out to a directory.

Reading blobs instead of checking out lets the agent, the history and kustomize rendering look
at any revision while the user keeps editing the working tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from git import Blob, Repo, Tree

from gitops_tui.workspace.errors import WorkspaceError

_SYMLINK_MODE = 0o120000


def tree_files(repo: Repo, treeish: str) -> dict[str, bytes]:
    """Every file of a commit or tree as tree-relative POSIX path -> content. Symlinks and
    submodules are left out: they have no content of their own to deploy."""
    return {
        str(item.path): item.data_stream.read()
        for item in Tree(repo, repo.rev_parse(f"{treeish}^{{tree}}").binsha, path="").traverse()
        if isinstance(item, Blob) and item.mode != _SYMLINK_MODE
    }


def write_files(files: Mapping[str, bytes], dest: Path) -> None:
    """Write ``files`` under ``dest``, which must be new or empty."""
    if dest.exists() and any(dest.iterdir()):
        raise WorkspaceError(f"{dest} is not empty: export into a new or empty directory")
    for path, data in files.items():
        # Git refuses such paths itself; a hand-made tree object could still hold them.
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts:
            raise WorkspaceError(f"refusing to write the unsafe path {path!r}")
        target = dest.joinpath(*pure.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
