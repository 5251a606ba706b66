"""``gitops-tui init | status | commit | revert | pull | history``: the sandbox from a terminal.

Argument parsing and printing only; the work is done by :mod:`gitops_tui.workspace`, which the
app shares. ``status`` also asks the agent for each resource's sync and health, joining a
running ``up`` or starting the sandbox's cluster for a moment (:mod:`gitops_tui.engine.session`).
A refusal (uncommitted work in the way, nothing to commit, diverged histories) is printed as
the library's one-line message with exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gitops_tui.cluster.client import ClusterError
from gitops_tui.commands.agent import attach_options, attached, reporting
from gitops_tui.commands.output import drift_line, event_json, state_json, to_json
from gitops_tui.engine.agent import AgentOptions, AgentSnapshot
from gitops_tui.engine.connection import NoCluster, ProviderInfo, SessionError
from gitops_tui.workspace import (
    HistoryEntry,
    Status,
    Workspace,
    WorkspaceError,
    init,
)

_Handler = Callable[[argparse.Namespace], int]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the workspace subcommands; each sets ``handler(args) -> exit code``."""
    p = _add(subparsers, "init", _init, "make a directory a sandbox (an empty one gets an example)")
    p.description = (
        "Make PATH a sandbox: an empty directory is seeded with the example app, a directory "
        "of manifests becomes a Git repository, and an existing repository gains a remote "
        "named 'sandbox' (nothing else in it changes). Running it again changes nothing."
    )
    _where(p)
    p = _add(
        subparsers,
        "status",
        _status,
        "show uncommitted changes, unpushed commits, and each resource's sync and health",
    )
    p.set_defaults(handler=reporting(_status))
    _where(p)
    attach_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = _add(subparsers, "commit", _commit, "commit changed manifests and push them to the sandbox")
    _where(p)
    p.add_argument("-m", "--message", required=True, help="the commit message")
    p.add_argument(
        "--file",
        action="append",
        dest="files",
        metavar="FILE",
        help="commit exactly this file or directory (repeatable; may be a non-manifest file)",
    )
    p = _add(subparsers, "revert", _revert, "undo a commit with a new commit, and push it")
    p.add_argument("rev", metavar="REV", help="the commit to undo (a SHA from `history`)")
    _where(p)
    _where(_add(subparsers, "pull", _pull, "fast-forward to commits pushed to the sandbox"))
    p = _add(subparsers, "history", _history, "list deployed commits and the objects each changed")
    _where(p)
    p.add_argument("-n", type=_positive, default=10, metavar="N", help="commits to show (10)")


def _add(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: _Handler,
    summary: str,
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=summary, description=summary.capitalize() + ".")
    parser.set_defaults(handler=_reporting(handler))
    return parser


def _where(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", metavar="PATH", help="the working tree (.)")
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        type=Path,
        help="where the sandbox repository lives (default: $GITOPS_TUI_STATE_DIR, else under "
        "$XDG_STATE_HOME/gitops-tui/)",
    )


def _reporting(handler: _Handler) -> _Handler:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (WorkspaceError, OSError) as exc:
            print(f"gitops-tui: {exc}", file=sys.stderr)
            return 1

    return run


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _open(args: argparse.Namespace) -> Workspace:
    return Workspace.open(args.path, args.state_dir)


def _init(args: argparse.Namespace) -> int:
    result = init(args.path, args.state_dir)
    workspace = result.workspace
    if not result.actions:
        print(f"{workspace.path} is already a sandbox; nothing changed.")
    else:
        print(f"{workspace.path} is a sandbox now:")
        for action in result.actions:
            print(f"  - {action}")
    print(f"The agent deploys branch {workspace.branch} of {workspace.bare_path}.")
    return 0


def _status(args: argparse.Namespace) -> int:
    workspace = _open(args)
    status = workspace.status()
    live: _Live | None = None
    note = error = None
    try:
        with attached(args, "status", AgentOptions()) as session:
            live = _Live(session.provider_info, session.joined, session.agent.refresh())
    except NoCluster as exc:
        note = str(exc)
    except (SessionError, ClusterError) as exc:
        error = str(exc)
    if args.json:
        print(json.dumps(_status_json(status, live, note, error), indent=2, default=str))
    else:
        print("\n".join(_format_status(status)))
        if live is not None:
            print("\n".join(_format_live(live)))
        elif note:
            print(f"Cluster: {note}")
    if error:
        print(f"gitops-tui: {error}", file=sys.stderr)
        return 1
    return 0


@dataclass(frozen=True)
class _Live:
    """What the agent sees of the cluster, for ``status``."""

    provider: ProviderInfo
    joined: bool
    snapshot: AgentSnapshot


def _status_json(
    status: Status, live: _Live | None, note: str | None, error: str | None
) -> dict[str, object]:
    data: dict[str, object] = {"workspace": to_json(status), "cluster": None, "agent": None}
    if live is not None:
        info, snapshot = live.provider, live.snapshot
        data["cluster"] = {
            "provider": info.name,
            "description": info.description,
            "server": info.server,
            "context": info.context,
            "kubeconfig": str(info.kubeconfig),
            "joined_up": live.joined,
        }
        data["agent"] = {
            "revision": snapshot.revision,
            "head": snapshot.head,
            "reachable": snapshot.reachable,
            "rejected": event_json(snapshot.rejected) if snapshot.rejected else None,
            "resources": [state_json(state) for state in snapshot.resources],
        }
    if note:
        data["message"] = note
    if error:
        data["error"] = error
    return data


def _format_live(live: _Live) -> list[str]:
    info, snapshot = live.provider, live.snapshot
    how = f"; {info.reason}" if live.joined else ""
    lines = [f"Cluster: {info.description}{how}."]
    if not snapshot.reachable:
        lines.append("  The cluster does not answer: every status is Unknown.")
    lines.append(f"Desired: revision {_short(snapshot.head)} of the sandbox.")
    if snapshot.rejected is not None:
        lines.append(f"  It cannot be applied: {'; '.join(snapshot.rejected.reasons)}")
    top = [state for state in snapshot.resources if state.sync is not None]
    if not top:
        lines.append("No resources.")
        return lines
    lines.append(f"  {'SYNC':<10} {'HEALTH':<12} RESOURCE")
    for state in top:
        sync = state.sync.value if state.sync else ""
        message = f"  ({state.health_message})" if state.health_message else ""
        lines.append(f"  {sync:<10} {state.health.value:<12} {state.key}{message}")
        lines += [f"      {drift_line(drift)}" for drift in state.drift]
    return lines


def _format_status(status: Status) -> list[str]:
    on = status.current_branch or "a detached HEAD"
    lines = [f"On {on}; the sandbox deploys {status.branch} at {_short(status.deployed)}."]
    if status.current_branch != status.branch:
        lines.append(f"  (`git switch {status.branch}` to commit, revert or pull)")
    if status.ahead and status.behind:
        lines.append(
            f"Diverged: {status.ahead} commit(s) only here, {status.behind} only in the sandbox."
        )
    elif status.ahead:
        lines.append(f"{status.ahead} commit(s) not pushed yet (`gitops-tui commit` pushes them).")
    elif status.behind:
        lines.append(f"{status.behind} new commit(s) in the sandbox (`gitops-tui pull`).")
    else:
        lines.append("Up to date with the sandbox.")
    if status.changes:
        lines.append("Uncommitted manifest changes:")
        lines += [f"  {change.kind.value:<10} {change.path}" for change in status.changes]
    else:
        lines.append("No uncommitted manifest changes.")
    return lines


def _commit(args: argparse.Namespace) -> int:
    workspace = _open(args)
    files = [Path(f).resolve() for f in args.files] if args.files else None
    result = workspace.commit(args.message, files)
    if result.commit is not None:
        print(f"Committed {_short(result.commit)} ({len(result.files)} file(s)):")
        print("\n".join(f"  {path}" for path in result.files))
    print(f"Pushed {result.pushed} commit(s) to the sandbox.")
    return 0


def _revert(args: argparse.Namespace) -> int:
    workspace = _open(args)
    result = workspace.revert(args.rev)
    print(
        f"Reverted {args.rev} with the new commit {_short(result.commit)}; pushed to the sandbox."
    )
    return 0


def _pull(args: argparse.Namespace) -> int:
    result = _open(args).pull()
    if not result.commits:
        print("Already up to date with the sandbox.")
    else:
        before, after = _short(result.before), _short(result.after)
        print(f"Fast-forwarded {before}..{after} ({result.commits} commit(s)).")
    return 0


def _history(args: argparse.Namespace) -> int:
    entries = _open(args).history(args.n)
    if not entries:
        print("Nothing deployed yet.")
    for entry in entries:
        print("\n".join(_format_entry(entry)))
    return 0


def _format_entry(entry: HistoryEntry) -> list[str]:
    when = entry.authored_at.strftime("%Y-%m-%d %H:%M")
    lines = [f"{_short(entry.sha)}  {when}  {entry.author_name}  {entry.summary}"]
    changes = entry.resources
    for sign, keys in (("+", changes.created), ("~", changes.changed), ("-", changes.deleted)):
        lines += [f"    {sign} {key}" for key in keys]
    if entry.findings:
        lines.append(f"    ! {len(entry.findings)} problem(s) reading its files, e.g.")
        first = entry.findings[0]
        lines.append(f"      {first.source or ''} {first.message}".rstrip())
    return lines


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "(nothing yet)"
