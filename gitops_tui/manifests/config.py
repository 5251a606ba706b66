"""The repository's own settings for checks, read from ``.gitops-tui.yaml`` at its root.

A repo states once which directory is the desired state (a kustomization or a plain tree), the
Kubernetes version it targets and which rules it opts out of, so ``check`` in CI, pre-commit
and the dashboard all agree without flags. Every key is optional; a broken file is a finding
and the defaults apply.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from gitops_tui.manifests.catalog import RULES
from gitops_tui.manifests.findings import Finding, Severity, SourcePos
from gitops_tui.manifests.schemas import schema_root
from gitops_tui.manifests.yamlpos import parse

CONFIG_FILE = ".gitops-tui.yaml"
_KNOWN_KEYS = ("path", "kubernetesVersion", "disabledRules")
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")
_SCHEMA_FOLDER = re.compile(r"^v(\d+)\.(\d+)\.\d+-local-strict$")


@functools.cache
def supported_versions() -> tuple[str, ...]:
    """Kubernetes minor versions whose schemas ship offline, oldest first (``1.25``...)."""
    found = (_SCHEMA_FOLDER.match(entry.name) for entry in schema_root().iterdir())
    minors = {(int(m.group(1)), int(m.group(2))) for m in found if m is not None}
    return tuple(f"{major}.{minor}" for major, minor in sorted(minors))


def default_version() -> str:
    return supported_versions()[-1]


def normalize_version(text: str) -> str | None:
    """``1.33``, ``v1.33`` or ``1.33.2`` as ``1.33`` when its schemas ship, else None."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    minor = f"{match.group(1)}.{match.group(2)}"
    return minor if minor in supported_versions() else None


def unsupported_version_message(text: str) -> str:
    versions = supported_versions()
    return (
        f"Kubernetes version {text!r} is not supported: use one of "
        f"{versions[0]}..{versions[-1]} (schemas bundled by kubernetes-validate)"
    )


@dataclass(frozen=True)
class RepoConfig:
    """``path``: desired-state directory (repo-relative); version as ``major.minor``."""

    path: str = "."
    kubernetes_version: str = field(default_factory=default_version)
    disabled_rules: frozenset[str] = frozenset()


def _problem(message: str, line: int, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(severity, "config", message, SourcePos(CONFIG_FILE, line))


def parse_config(content: bytes) -> tuple[RepoConfig, tuple[Finding, ...]]:
    """Settings from the text of a ``.gitops-tui.yaml``; problems fall back to defaults."""
    parsed = parse(CONFIG_FILE, content)
    findings = list(parsed.findings)
    if not parsed.documents or parsed.documents[0].body is None:
        return RepoConfig(), tuple(findings)
    document = parsed.documents[0]
    body = document.body
    children = document.positions[2]
    if not isinstance(body, dict) or not isinstance(children, dict):
        findings.append(_problem("expected a mapping of settings", document.positions[0]))
        return RepoConfig(), tuple(findings)

    def line_of(key: str) -> int:
        return int(children[key][0])

    config = RepoConfig()
    for key in body:
        if key not in _KNOWN_KEYS:
            known = ", ".join(_KNOWN_KEYS)
            message = f"unknown setting {key!r} (known: {known})"
            findings.append(_problem(message, line_of(key), Severity.WARNING))
    path = body.get("path", ".")
    if isinstance(path, str) and not PurePosixPath(path).is_absolute() and ".." not in path:
        config = RepoConfig(path=PurePosixPath(path).as_posix())
    else:
        message = "path must be a directory inside the repository, e.g. 'overlays/dev'"
        findings.append(_problem(message, line_of("path")))
    version = body.get("kubernetesVersion")
    if version is not None:
        normalized = normalize_version(str(version))
        if normalized is None:
            message = unsupported_version_message(str(version))
            findings.append(_problem(message, line_of("kubernetesVersion")))
        else:
            config = RepoConfig(config.path, normalized)
    rules = body.get("disabledRules", [])
    if isinstance(rules, list) and all(isinstance(rule, str) for rule in rules):
        config = RepoConfig(config.path, config.kubernetes_version, frozenset(rules))
        for rule in sorted(config.disabled_rules - RULES.keys()):
            message = f"disabledRules: no rule is called {rule!r} (see docs/check.md)"
            findings.append(_problem(message, line_of("disabledRules"), Severity.WARNING))
    else:
        message = "disabledRules must be a list of rule ids, e.g. [image-tag]"
        findings.append(_problem(message, line_of("disabledRules")))
    return config, tuple(findings)


def load_config(root: Path) -> tuple[RepoConfig, tuple[Finding, ...]]:
    """The settings of the repository at ``root`` (defaults when it has no config file)."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return RepoConfig(), ()
    return parse_config(path.read_bytes())
