"""Running git for the workspace: argument lists only, failures turned into readable errors.

Porcelain commands (commit, revert, push, merge) go through the real ``git`` binary via
GitPython's runner rather than GitPython's own index code, so hooks, attributes, ``.gitignore``
and every setting of the user's repository behave exactly as they do in a terminal. Commands
are argument lists, never shell strings.
"""

from __future__ import annotations

from pathlib import Path

from git import Repo
from git.exc import CommandError, InvalidGitRepositoryError, NoSuchPathError

from gitops_tui.workspace.errors import WorkspaceError

FALLBACK_NAME = "gitops-tui"
FALLBACK_EMAIL = "gitops-tui@localhost"


def git(repo: Repo, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``git ARGS`` in ``repo``; return stdout, raise :class:`WorkspaceError` on failure."""
    code, out, err = try_git(repo, *args, env=env)
    if code != 0:
        command = next((arg for arg in args if not arg.startswith("-")), "")
        raise WorkspaceError(f"git {command} failed: {last_line(err or out)}")
    return out


def try_git(repo: Repo, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run ``git ARGS`` in ``repo`` and return ``(exit code, stdout, stderr)`` whatever happens."""
    try:
        code, out, err = repo.git.execute(
            [repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args],
            with_extended_output=True,
            with_exceptions=False,
            env=env,
        )
    except CommandError as exc:  # with_exceptions=False: only when git cannot be started
        raise WorkspaceError(f"cannot run git: {exc}") from exc
    return code, out, err


def last_line(text: str) -> str:
    """The most telling line of git's output: the last non-empty one, without ``fatal:``."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "no output"
    line = lines[-1]
    for prefix in ("fatal: ", "error: "):
        line = line.removeprefix(prefix)
    return line


def identity_env(repo: Repo) -> dict[str, str] | None:
    """Environment that lets git commit when no identity is configured, else ``None``.

    The user's configured name and email always win; only what git cannot work out itself is
    filled in, and only for gitops-tui's own commands: no configuration is written.
    """
    idents = ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT")
    if all(try_git(repo, "var", ident)[0] == 0 for ident in idents):
        return None
    name = _config(repo, "user.name") or FALLBACK_NAME
    email = _config(repo, "user.email") or FALLBACK_EMAIL
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def _config(repo: Repo, key: str) -> str:
    code, out, _ = try_git(repo, "config", "--get", key)
    return out if code == 0 else ""


def worktree_root(path: Path) -> Path | None:
    """The top of the Git working tree holding ``path``; ``None`` when there is none."""
    try:
        with Repo(path, search_parent_directories=True) as repo:
            if repo.bare or repo.working_tree_dir is None:
                raise WorkspaceError(f"{path} is a bare Git repository, not a working tree")
            return Path(repo.working_tree_dir).resolve()
    except (InvalidGitRepositoryError, NoSuchPathError):
        return None


def rev_parse(repo: Repo, name: str) -> str | None:
    """The SHA that ``name`` names in ``repo``, or ``None``."""
    code, out, _ = try_git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", name)
    return out if code == 0 else None


def current_branch(repo: Repo) -> str | None:
    """The checked-out branch; ``None`` when HEAD is detached."""
    code, out, _ = try_git(repo, "symbolic-ref", "--quiet", "--short", "HEAD")
    return out if code == 0 else None
