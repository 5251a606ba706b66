"""Helpers for manifests tests: write a small repository, read it as ``check`` does."""

from __future__ import annotations

from pathlib import Path

from gitops_tui.manifests.config import RepoConfig, load_config
from gitops_tui.manifests.findings import Finding, Severity
from gitops_tui.manifests.loader import LoadResult
from gitops_tui.manifests.render import render
from gitops_tui.manifests.validate import validate

EXAMPLE = Path(__file__).parents[2] / "gitops_tui" / "workspace" / "example"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          resources:
            requests:
              cpu: 100m
              memory: 64Mi
"""


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def load(root: Path, config: RepoConfig | None = None) -> tuple[LoadResult, tuple[Finding, ...]]:
    """The desired state of ``root`` and all its findings, config file included."""
    found, config_findings = load_config(root)
    config = config or found
    result = render(root, config)
    return result, (*config_findings, *validate(result, config))


def places(findings: tuple[Finding, ...]) -> list[str]:
    """``rule path:line:col`` for each error and warning, as people read them."""
    return [
        f"{f.rule} {f.source}"
        for f in findings
        if f.severity is not Severity.INFO and f.source is not None
    ]
