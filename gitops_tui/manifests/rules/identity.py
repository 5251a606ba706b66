"""Identity rules: every object needs apiVersion, kind and a valid name, and exactly one source.

The API server rejects a missing or malformed name only when the change is applied; two
manifests for one object make the applied result depend on file order. Both are cheaper to
catch before the pull request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gitops_tui.manifests.findings import Finding, Severity
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.rules.context import Context, mapping, namespaced_in, report
from gitops_tui.manifests.rules.workloads import pod_template
from gitops_tui.model import ResourceKey

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(_LABEL)
DNS1123_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_RBAC_KINDS = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})
_SUBDOMAIN_RULE = (
    "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, "
    "at most 253 characters"
)
_LABEL_RULE = (
    "lowercase letters, digits and '-', starting and ending with a letter or digit, "
    "at most 63 characters"
)
_DNS1035_RULE = (
    "lowercase letters, digits and '-', starting with a letter and ending with a letter or "
    "digit, at most 63 characters"
)


_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_QUALIFIED_RULE = (
    "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
)


def _key_problem(key: str) -> str | None:
    """Why ``key`` is not a valid label or annotation key (``[prefix/]name``), or None."""
    prefix, slash, name = key.rpartition("/")
    if slash and not (len(prefix) <= 253 and DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return f"its prefix {prefix!r} must be a DNS subdomain such as example.com"
    if not (len(name) <= 63 and _QUALIFIED_NAME.fullmatch(name)):
        return f"the name part must be {_QUALIFIED_RULE}"
    return None


def _valid_label_value(value: Any) -> bool:
    """Empty, or a short qualified name; non-strings are the schema rule's business."""
    if not isinstance(value, str) or not value:
        return True
    return len(value) <= 63 and bool(_QUALIFIED_NAME.fullmatch(value))


def _label_findings(
    manifest: Manifest, metadata_path: tuple[str | int, ...], metadata: Mapping[str, Any]
) -> Iterable[Finding]:
    for field in ("labels", "annotations"):
        for key, value in mapping(metadata.get(field)).items():
            path = (*metadata_path, field, key)
            what = field[:-1]
            problem = _key_problem(key)
            if problem is not None:
                message = f"invalid {what} key {key!r}: {problem}"
                yield report(manifest, Severity.ERROR, "invalid-name", message, path)
            elif field == "labels" and not _valid_label_value(value):
                message = f"invalid value {value!r} for label {key!r}: use {_QUALIFIED_RULE}"
                yield report(manifest, Severity.ERROR, "invalid-name", message, path)


def _name_problem(kind: str, group: str, name: str) -> str | None:
    """Why ``name`` is not valid for the kind, or None, following the API server's rules."""
    if group == "rbac.authorization.k8s.io" and kind in _RBAC_KINDS:
        if name in (".", "..") or "/" in name or "%" in name:
            return "RBAC names may not be '.' or '..' nor contain '/' or '%'"
        return None
    if kind == "Namespace" and group == "":
        ok = len(name) <= 63 and DNS1123_LABEL.fullmatch(name)
        return None if ok else f"a Namespace name must be a DNS-1123 label: {_LABEL_RULE}"
    if kind == "Service" and group == "":
        ok = len(name) <= 63 and DNS1035_LABEL.fullmatch(name)
        return None if ok else f"a Service name must be a DNS-1035 label: {_DNS1035_RULE}"
    ok = len(name) <= 253 and DNS1123_SUBDOMAIN.fullmatch(name)
    return None if ok else f"names must be DNS-1123 subdomains: {_SUBDOMAIN_RULE}"


def check_identity(manifest: Manifest, context: Context) -> Iterable[Finding]:
    missing = [f for f in ("apiVersion", "kind") if manifest.body.get(f) in (None, "")]
    metadata = mapping(manifest.body.get("metadata"))
    name = metadata.get("name")
    if name in (None, ""):  # a name of the wrong type is the schema rule's
        missing.append("metadata.name")
    if missing:
        hint = " (generateName cannot be used with apply)" if "generateName" in metadata else ""
        message = (
            f"missing {', '.join(missing)}: every object needs apiVersion, kind and "
            f"metadata.name{hint}"
        )
        yield report(manifest, Severity.ERROR, "required-fields", message)
    for field in ("apiVersion", "kind"):
        value = manifest.body.get(field)
        if value not in (None, "") and not isinstance(value, str):
            message = f"{field} must be text such as 'apps/v1' or 'Deployment', not {value!r}"
            yield report(manifest, Severity.ERROR, "required-fields", message, (field,))
    if isinstance(name, str) and name:
        problem = _name_problem(manifest.kind, manifest.key.group, name)
        if problem is not None:
            message = f"invalid name {name!r}: {problem}"
            yield report(manifest, Severity.ERROR, "invalid-name", message, ("metadata", "name"))
    yield from _label_findings(manifest, ("metadata",), metadata)
    template = pod_template(manifest)
    if template is not None and template.path:
        template_metadata = mapping(mapping(_at(manifest.body, template.path)).get("metadata"))
        yield from _label_findings(manifest, (*template.path, "metadata"), template_metadata)
    namespace = metadata.get("namespace")
    valid = isinstance(namespace, str) and len(namespace) <= 63
    if namespace and not (valid and DNS1123_LABEL.fullmatch(namespace)):
        message = f"invalid namespace {namespace!r}: namespaces are DNS-1123 labels: {_LABEL_RULE}"
        path = ("metadata", "namespace")
        yield report(manifest, Severity.ERROR, "invalid-name", message, path)


def _at(body: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = body
    for segment in path:
        node = mapping(node).get(segment)
    return node


def effective_key(manifest: Manifest, context: Context) -> ResourceKey:
    """The object's identity once applied: no namespace means ``default`` for namespaced kinds."""
    return applied_key(manifest, context.custom_scopes)


def applied_key(manifest: Manifest, custom_scopes: Mapping[tuple[str, str], bool]) -> ResourceKey:
    """:func:`effective_key` given the custom kinds' scopes (see ``context.crd_scopes``)."""
    key = manifest.key
    if namespaced_in(manifest, custom_scopes):
        return ResourceKey(key.group, key.kind, key.namespace or "default", key.name)
    return ResourceKey(key.group, key.kind, "", key.name)


def check_duplicates(manifests: Sequence[Manifest], context: Context) -> Iterable[Finding]:
    first: dict[ResourceKey, Manifest] = {}
    for manifest in manifests:
        if not manifest.key.name or not manifest.kind:
            continue
        key = effective_key(manifest, context)
        earlier = first.setdefault(key, manifest)
        if earlier is not manifest:
            message = (
                f"{key} is also defined at {earlier.source}; keep one definition "
                "(which one wins would depend on the order objects are applied)"
            )
            yield report(manifest, Severity.ERROR, "duplicate-resource", message)
