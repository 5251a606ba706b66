"""Every rule id a check can report, with what it means.

One list so a repository's ``disabledRules`` and per-object ``gitops-tui.dev/disable-rules``
can be checked for typos, and the documentation and tests can enumerate the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Annotation listing rule ids (comma separated) not to report for one object.
DISABLE_ANNOTATION = "gitops-tui.dev/disable-rules"

RULES: Mapping[str, str] = MappingProxyType(
    {
        "yaml-syntax": "the file is not valid YAML (or JSON)",
        "yaml-duplicate-key": "a mapping sets the same key twice",
        "config": "the .gitops-tui.yaml settings are invalid",
        "kustomize": "kustomize could not render the kustomization",
        "required-fields": "apiVersion, kind or metadata.name is missing",
        "invalid-name": "a name or namespace is not a valid DNS-1123 name",
        "duplicate-resource": "two manifests define the same object",
        "schema": "a field has the wrong type or value, or a required field is missing",
        "unknown-field": "a field the Kubernetes schema does not know (often a typo)",
        "unknown-kind": "no schema for the kind: not built in and no CRD in the repo",
        "removed-api": "the apiVersion is no longer served by the target Kubernetes version",
        "deprecated-api": "the apiVersion is deprecated in the target Kubernetes version",
        "plaintext-secret": "a Secret with its values committed in plain text",
        "image-tag": "a container image without a tag, or tagged :latest",
        "resource-requests": "a container without CPU or memory requests",
        "selector-mismatch": "a workload's selector does not match its pod template labels",
        "service-selector": "a Service selects no workload in the repository",
        "unknown-namespace": "an object's namespace is neither in the repo nor a default one",
        "server-dry-run": "the cluster rejected the object in a server-side dry run",
    }
)
