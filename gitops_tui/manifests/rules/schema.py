"""Schema validation: built-in kinds against the target version, custom kinds against CRDs.

Validator messages are written for JSON Schema authors ("Additional properties are not
allowed"); ours name the field, say what is expected, suggest the field meant by a typo, and
never quote a value of a Secret.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jsonschema_rs

from gitops_tui.manifests.findings import Finding, Severity
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.rules.apis import is_removed, retirement
from gitops_tui.manifests.rules.context import Context, dotted, report

_ARTICLE = {"integer": "an integer", "object": "a mapping", "array": "a list"}
_SHOWN_VALUE_CHARS = 40
_Kind = jsonschema_rs.ValidationErrorKind


def _expected_types(kind: jsonschema_rs.ValidationErrorKind) -> list[str]:
    types: list[str] = []
    if isinstance(kind, _Kind.Type):
        types = list(kind.types)
    elif isinstance(kind, _Kind.AnyOf | _Kind.OneOfNotValid):
        types = [t for branch in kind.context for e in branch for t in _expected_types(e.kind)]
    return [t for t in dict.fromkeys(types) if t != "null"]


def _describe(types: Sequence[str]) -> str:
    return " or ".join(_ARTICLE.get(t, f"a {t}") for t in types)


def _shown(value: Any, secret: bool) -> str:
    if secret:
        return "the value given"
    text = json.dumps(value, default=str)
    return text if len(text) <= _SHOWN_VALUE_CHARS else text[: _SHOWN_VALUE_CHARS - 3] + "..."


def _schema_at(root: Mapping[str, Any], context: Context, path: Sequence[str | int]) -> Any:
    """The schema holding the failed keyword (paths into shared definitions start at $defs)."""
    node: Any = root
    if len(path) >= 2 and path[0] == "$defs":
        node, path = context.builtin.definitions.get(str(path[1]), {}), path[2:]
    for segment in path[:-1]:
        if isinstance(node, Mapping):
            node = node.get(segment, {})
        elif isinstance(node, list) and isinstance(segment, int) and segment < len(node):
            node = node[segment]
    return node if isinstance(node, Mapping) else {}


def _findings_for(
    manifest: Manifest,
    error: jsonschema_rs.ValidationError,
    root: Mapping[str, Any],
    context: Context,
) -> Iterable[Finding]:
    path = list(error.instance_path)
    where = dotted(path)
    kind = error.kind
    secret = (manifest.key.group, manifest.kind) == ("", "Secret")
    if isinstance(kind, _Kind.AdditionalProperties):
        known = list(_schema_at(root, context, error.schema_path).get("properties", {}))
        for name in kind.unexpected:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            message = f"unknown field {name!r} in {where}{hint}"
            yield report(manifest, Severity.ERROR, "unknown-field", message, [*path, name])
        return
    if isinstance(kind, _Kind.Required):
        message = f"{where} is missing the required field {kind.property!r}"
    elif types := _expected_types(kind):
        message = f"{where} must be {_describe(types)}, not {_shown(error.instance, secret)}"
    elif isinstance(kind, _Kind.Enum):
        allowed = ", ".join(repr(v) for v in kind.options if v is not None)
        message = f"{where} must be one of {allowed}, not {_shown(error.instance, secret)}"
    elif secret:
        message = f"{where} breaks the schema's {kind.name!r} rule"
    else:
        message = f"{where}: {error.message}"
    yield report(manifest, Severity.ERROR, "schema", message, path)


def _unknown_kind(manifest: Manifest, context: Context) -> Finding:
    group, kind = manifest.key.group, manifest.kind
    version = manifest.api_version.rpartition("/")[2]
    builtin = context.builtin
    target = context.kubernetes_version
    served = builtin.versions_of(group, kind)
    if served:
        use = ", ".join(f"{group}/{v}" if group else v for v in served)
        message = f"{manifest.api_version} {kind} is not served by Kubernetes {target}; use {use}"
        return report(manifest, Severity.ERROR, "unknown-kind", message, ("apiVersion",))
    elsewhere = builtin.groups_of(kind)
    if elsewhere:
        use = " or ".join(sorted(elsewhere))
        message = f"{kind} is not in {manifest.api_version}: use apiVersion {use}"
        return report(manifest, Severity.ERROR, "unknown-kind", message, ("apiVersion",))
    known = builtin.kinds_in(group)
    if known:
        close = difflib.get_close_matches(kind, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        message = f"{group or 'the core API group'} has no kind {kind!r}{hint}"
        return report(manifest, Severity.ERROR, "unknown-kind", message, ("kind",))
    custom_versions = [v for g, v, k in context.custom if (g, k) == (group, kind)]
    if custom_versions:
        message = (
            f"the CRD for {kind} in this repo does not serve {version!r}; "
            f"served: {', '.join(custom_versions)}"
        )
        return report(manifest, Severity.ERROR, "unknown-kind", message, ("apiVersion",))
    message = (
        f"no schema for {manifest.api_version} {kind}: it is not built into Kubernetes "
        f"{target} and no CustomResourceDefinition in the repo defines it; add the CRD "
        "so its objects can be checked"
    )
    return report(manifest, Severity.WARNING, "unknown-kind", message, ("kind",))


def version_of(manifest: Manifest) -> str:
    return manifest.api_version.rpartition("/")[2]


def check_crd_schemas(manifest: Manifest, context: Context) -> Iterable[Finding]:
    """A CRD whose ``openAPIV3Schema`` is not a valid schema (the API server rejects it)."""
    for custom in context.custom.values():
        if custom.crd is manifest and custom.problem:
            path = ("spec", "versions", custom.index, "schema", "openAPIV3Schema")
            message = f"the CRD's schema for {custom.crd.key.name} is invalid: {custom.problem}"
            yield report(manifest, Severity.ERROR, "schema", message, (*path, *custom.problem_path))


def _validator(
    manifest: Manifest, context: Context
) -> tuple[jsonschema_rs.Validator, Mapping[str, Any]] | None:
    """The object's validator and the root its schema paths start from."""
    group, kind = manifest.key.group, manifest.kind
    version = manifest.api_version.rpartition("/")[2]
    builtin = context.builtin.validator(group, version, kind)
    if builtin is not None:
        return builtin, {}
    custom = context.custom.get((group, version, kind))
    if custom is None or custom.validator is None:
        return None
    return custom.validator, custom.schema


def check_schema(manifest: Manifest, context: Context) -> Iterable[Finding]:
    if not manifest.api_version or not manifest.kind:
        return  # reported as required-fields; nothing to validate against
    retired = retirement(manifest.api_version, manifest.kind)
    if retired is not None and is_removed(retired, context.kubernetes_version):
        return  # reported as removed-api with what to use instead
    found = _validator(manifest, context)
    if found is None:
        custom = context.custom.get((manifest.key.group, version_of(manifest), manifest.kind))
        if custom is None:
            yield _unknown_kind(manifest, context)
        return  # a CRD whose schema does not compile: reported on the CRD
    validator, root = found
    errors = list(validator.iter_errors(manifest.body))
    typos: dict[tuple[str | int, ...], list[str]] = {}
    for error in errors:
        if isinstance(error.kind, _Kind.AdditionalProperties):
            typos.setdefault(tuple(error.instance_path), []).extend(error.kind.unexpected)
    for error in errors:
        if isinstance(error.kind, _Kind.Required) and difflib.get_close_matches(
            error.kind.property, typos.get(tuple(error.instance_path), []), n=1
        ):
            continue  # the misspelt field reported as unknown-field is the missing one
        yield from _findings_for(manifest, error, root, context)
