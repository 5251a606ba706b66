"""``gitops-tui drift scale|image|env|label|data|delete``: make drift to watch the agent heal it.

Each subcommand changes one live object the way the matching kubectl command would
(:mod:`gitops_tui.engine.simulate`, shared with the app), then says so. With an ``up`` running
the agent reports and undoes the change within a second; without one, the change stays until
the next ``up`` or ``sync`` (``diff`` shows it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from gitops_tui.cluster.client import ClusterClient
from gitops_tui.commands.agent import attach_options, cluster_options, progress_to, reporting
from gitops_tui.engine import simulate
from gitops_tui.engine.connection import connect
from gitops_tui.engine.simulate import Change, SimulationError
from gitops_tui.model import ResourceKey
from gitops_tui.workspace import Workspace

_Change = Callable[[ClusterClient, ResourceKey, argparse.Namespace], Change]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``drift`` and its subcommands."""
    drift = subparsers.add_parser(
        "drift",
        help="change the live cluster by hand, as kubectl would, to watch the agent heal it",
        description="Change one live object the way a person with kubectl would (under the "
        "field manager kubectl-scale, kubectl-set, kubectl-label or kubectl-edit). TARGET is "
        "[KIND/]NAME with KIND as kubectl spells it (deploy, sts, cm, ...); the namespace is "
        "found when the name is unique, else give -n.",
    )
    kinds = drift.add_subparsers(dest="drift_command", metavar="CHANGE")
    kinds.required = True

    p = _change(kinds, "scale", "set the replica count (kubectl scale)", _scale)
    p.add_argument("replicas", type=_replicas, metavar="REPLICAS")
    p = _change(kinds, "image", "set a container image (kubectl set image)", _image)
    p.add_argument("image", metavar="[CONTAINER=]IMAGE")
    p = _change(kinds, "env", "set an environment variable (kubectl set env)", _env)
    p.add_argument("variable", type=_pair, metavar="NAME=VALUE")
    p.add_argument("-c", "--container", help="the container (needed when there are several)")
    p = _change(kinds, "label", "add or change a label (kubectl label --overwrite)", _label)
    p.add_argument("label", type=_pair, metavar="KEY=VALUE")
    p = _change(kinds, "data", "edit one entry of a ConfigMap (kubectl edit)", _data, "configmap")
    p.add_argument("entry", type=_pair, metavar="KEY=VALUE")
    _change(kinds, "delete", "delete the object (kubectl delete)", _delete)


def _change(
    kinds: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    change: _Change,
    default_kind: str = "deployment",
) -> argparse.ArgumentParser:
    parser = kinds.add_parser(name, help=summary, description=summary[0].upper() + summary[1:])
    parser.add_argument(
        "target", metavar="TARGET", help=f"[KIND/]NAME (KIND defaults to {default_kind})"
    )
    parser.add_argument("-n", "--namespace", help="the namespace (default: found by name)")
    parser.add_argument("--path", default=".", metavar="PATH", help="the working tree (.)")
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        type=Path,
        help="the sandbox's state directory (default: $GITOPS_TUI_STATE_DIR, else derived "
        "from PATH)",
    )
    attach_options(parser)

    def run(args: argparse.Namespace) -> int:
        return _run(args, change, default_kind)

    parser.set_defaults(handler=reporting(run))
    return parser


def _run(args: argparse.Namespace, change: _Change, default_kind: str) -> int:
    workspace = Workspace.open(args.path, args.state_dir)
    connection = connect(
        workspace.state_dir,
        args.cluster,
        command="drift",
        cluster_options=cluster_options(),
        progress=progress_to(sys.stderr),
    )
    try:
        kind, _, name = args.target.rpartition("/")
        key = simulate.resolve_target(connection.client, kind or default_kind, name, args.namespace)
        made = change(connection.client, key, args)
    except SimulationError as exc:
        print(f"gitops-tui: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    who = f" as {made.manager}" if made.manager else ""
    print(f"{made.summary[0].upper()}{made.summary[1:]}{who}.")
    if not connection.joined:
        print(
            "No `gitops-tui up` is running, so nothing heals this yet: `gitops-tui diff` shows "
            "it, `gitops-tui sync` or the next `up` undoes it."
        )
    return 0


def _scale(client: ClusterClient, key: ResourceKey, args: argparse.Namespace) -> Change:
    return simulate.scale(client, key, args.replicas)


def _image(client: ClusterClient, key: ResourceKey, args: argparse.Namespace) -> Change:
    container, _, image = str(args.image).rpartition("=")
    return simulate.set_image(client, key, image, container or None)


def _env(client: ClusterClient, key: ResourceKey, args: argparse.Namespace) -> Change:
    name, value = args.variable
    return simulate.set_env(client, key, name, value, args.container)


def _label(client: ClusterClient, key: ResourceKey, args: argparse.Namespace) -> Change:
    label, value = args.label
    return simulate.add_label(client, key, label, value)


def _data(client: ClusterClient, key: ResourceKey, args: argparse.Namespace) -> Change:
    entry, value = args.entry
    return simulate.set_data(client, key, entry, value)


def _delete(client: ClusterClient, key: ResourceKey, args: argparse.Namespace) -> Change:
    return simulate.delete(client, key)


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _replicas(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("replicas cannot be negative")
    return value
