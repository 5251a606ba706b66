"""``gitops-tui check``: validate and lint a repository's manifests before a pull request.

Runs where a developer, pre-commit or CI needs it: no cluster, no network. PATH is the
repository (or a folder in it: a kustomization or a directory of manifests); the nearest
``.gitops-tui.yaml`` up to the Git root supplies the target Kubernetes version and disabled
rules. ``--base REV`` adds what the change creates, changes and deletes compared with a
revision; ``--server`` adds a server-side dry run when the sandbox's cluster is running.

Exit codes are a contract for scripts: 0 no errors (warnings allowed), 1 errors found, 2 the
check itself could not run (bad arguments, unreadable revision, an internal failure), always
with one clear line on stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from gitops_tui.commands.check_output import FORMATS, Report
from gitops_tui.manifests.config import (
    CONFIG_FILE,
    RepoConfig,
    load_config,
    normalize_version,
    supported_versions,
    unsupported_version_message,
)
from gitops_tui.manifests.entries import render_all
from gitops_tui.manifests.findings import Finding, SourcePos, sort_key
from gitops_tui.manifests.loader import LoadResult, Manifest
from gitops_tui.manifests.validate import Validator, disabled_for
from gitops_tui.workspace.errors import WorkspaceError

EXIT_CLEAN = 0
EXIT_ERRORS = 1
EXIT_FAILED = 2


class UsageError(Exception):
    """The command line asks for something impossible; the message says what to change."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    summary = "validate and lint manifests before a pull request (exit 1 on errors)"
    parser = subparsers.add_parser(
        "check",
        help=summary,
        description="Validate and lint the manifests of PATH offline: YAML syntax, schemas of "
        "the target Kubernetes version, CRDs in the repository, deprecated APIs and common "
        "mistakes. Exit 0 without errors, 1 with errors, 2 when the check cannot run. "
        "Rules and how to disable them: docs/check.md.",
    )
    parser.add_argument(
        "path",
        nargs="?",
        default=".",
        metavar="PATH",
        help="the repository, or a folder in it such as a kustomize overlay (.)",
    )
    versions = supported_versions()
    parser.add_argument(
        "--kube-version",
        metavar="V",
        help=f"target Kubernetes version, {versions[0]}..{versions[-1]} (default: "
        f"kubernetesVersion in {CONFIG_FILE}, else {versions[-1]})",
    )
    parser.add_argument(
        "--format",
        choices=list(FORMATS),
        default="text",
        help="text (path:line:col: severity rule: message), json, or github (workflow commands)",
    )
    parser.add_argument(
        "--base",
        metavar="REV",
        help="also list the resources this change creates, changes and deletes compared with "
        "the Git revision REV (e.g. origin/main), field by field; Secret values are masked",
    )
    parser.add_argument(
        "--server",
        action="store_true",
        help="also dry-run every object on the sandbox's cluster when `gitops-tui up` runs",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        type=Path,
        help="the sandbox's state directory, for --server (default: as `gitops-tui init` chose)",
    )
    parser.set_defaults(handler=run)


def _locate(target: Path) -> tuple[Path, str | None]:
    """The repository root for ``target`` and the entry point it names, if not the root.

    The root is the nearest folder holding a ``.gitops-tui.yaml``, looking up from ``target``
    no further than the Git working tree's top; without one, ``target`` itself.
    """
    target = target.resolve()
    for folder in (target, *target.parents):
        if (folder / CONFIG_FILE).is_file():
            entry = target.relative_to(folder).as_posix()
            return folder, None if entry == "." else entry
        if (folder / ".git").exists():
            break  # the top of the Git working tree (``.git`` is a file in linked worktrees)
    return target, None


def _kept(
    findings: tuple[Finding, ...], manifests: tuple[Manifest, ...], disabled: frozenset[str]
) -> tuple[Finding, ...]:
    """``findings`` without the rules the repository or the object's annotation turns off."""
    by_key = {m.key: disabled_for(m) for m in manifests}
    return tuple(
        f
        for f in findings
        if f.rule not in disabled and (f.key is None or f.rule not in by_key.get(f.key, ()))
    )


def _validated(states: Mapping[str, LoadResult], config: RepoConfig) -> list[Finding]:
    """Every state's findings. A base that several overlays include is reported once: a rule
    already reported at a place by an earlier entry point is not repeated by a later one."""
    reported: set[tuple[str, SourcePos | None]] = set()
    findings: list[Finding] = []
    for state in states.values():
        found = Validator(config).validate(state)
        findings.extend(f for f in found if (f.rule, f.source) not in reported)
        reported.update((f.rule, f.source) for f in found)
    return findings


def _check(args: argparse.Namespace) -> int:
    target = Path(args.path)
    if not target.exists():
        raise UsageError(f"{args.path}: no such directory")
    if not target.is_dir():
        raise UsageError(
            f"{args.path} is a file: give the repository's directory, or a folder in it"
        )
    root, entry = _locate(target)
    config, config_findings = load_config(root)
    if entry is not None:
        config = replace(config, path=entry)
    if args.kube_version is not None:
        version = normalize_version(args.kube_version)
        if version is None:
            raise UsageError(unsupported_version_message(args.kube_version))
        config = replace(config, kubernetes_version=version)
    states = render_all(root, config)
    manifests = tuple(m for state in states.values() for m in state.manifests)
    findings = [*config_findings, *_validated(states, config)]
    report = Report(root, config.kubernetes_version, len(manifests), (), tuple(states))
    if args.base is not None:
        from gitops_tui.commands.changes import compare, read_base  # GitPython: only for --base

        base = read_base(root, args.base, config, entry_given=entry is not None)
        current = {path: state.manifests for path, state in states.items()}
        report = replace(report, base=base, changes=compare(base.states, current))
    if args.server:
        # Loaded on demand: the Kubernetes client is the slowest import of all, and a check
        # without --server (pre-commit, on every commit) should not pay for it.
        from gitops_tui.commands.server_check import server_check

        server = server_check(root, manifests, findings, args.state_dir)
        findings.extend(_kept(server.findings, manifests, config.disabled_rules))
        report = replace(report, server=server)
    report = replace(report, findings=tuple(sorted(findings, key=sort_key)))
    _print(FORMATS[args.format](report))
    return EXIT_ERRORS if any(f.is_error for f in report.findings) else EXIT_CLEAN


def _print(text: str) -> None:
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # The reader (``| head``) left: stop writing, without Python's complaint at exit.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def run(args: argparse.Namespace) -> int:
    """The ``check`` handler: findings on stdout, failures as one line on stderr."""
    try:
        return _check(args)
    except (UsageError, WorkspaceError) as exc:
        print(f"gitops-tui check: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("gitops-tui check: interrupted", file=sys.stderr)
    except Exception as exc:  # never a traceback: one line, and exit 2
        print(
            f"gitops-tui check: internal error ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())}); please report it",
            file=sys.stderr,
        )
    return EXIT_FAILED
