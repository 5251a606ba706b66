"""Run every rule over a desired state and keep what the repository has not opted out of.

A :class:`Validator` remembers each object's findings for as long as the object lives, so the
watcher, which keeps the Manifest objects of unchanged files, revalidates only what a save
touched; rules about the whole state are cheap and always rerun. Rules are disabled per repo
(``disabledRules``) or per object (the ``gitops-tui.dev/disable-rules`` annotation).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence

from gitops_tui.manifests.catalog import DISABLE_ANNOTATION, RULES
from gitops_tui.manifests.config import RepoConfig
from gitops_tui.manifests.crds import CRD_GROUP, custom_kinds
from gitops_tui.manifests.findings import Finding, Severity, sort_key
from gitops_tui.manifests.loader import LoadResult, Manifest, bulk_build
from gitops_tui.manifests.rules.apis import check_api_version
from gitops_tui.manifests.rules.context import Context, ObjectRule, RepoRule, mapping, report
from gitops_tui.manifests.rules.identity import check_duplicates, check_identity
from gitops_tui.manifests.rules.references import check_namespaces, check_service_selectors
from gitops_tui.manifests.rules.schema import check_crd_schemas, check_schema
from gitops_tui.manifests.rules.secrets import check_plaintext_secret
from gitops_tui.manifests.rules.workloads import check_images, check_requests, check_selector
from gitops_tui.manifests.schemas import builtin_schemas

OBJECT_RULES: tuple[ObjectRule, ...] = (
    check_identity,
    check_api_version,
    check_schema,
    check_crd_schemas,
    check_plaintext_secret,
    check_images,
    check_requests,
    check_selector,
)
REPO_RULES: tuple[RepoRule, ...] = (check_duplicates, check_service_selectors, check_namespaces)


def disabled_for(manifest: Manifest) -> frozenset[str]:
    """Rule ids the object's ``gitops-tui.dev/disable-rules`` annotation turns off."""
    annotations = mapping(mapping(manifest.body.get("metadata")).get("annotations"))
    value = annotations.get(DISABLE_ANNOTATION)
    if not isinstance(value, str):
        return frozenset()
    return frozenset(rule.strip() for rule in value.split(",") if rule.strip())


def _annotation_typos(manifest: Manifest, disabled: frozenset[str]) -> Iterable[Finding]:
    for rule in sorted(disabled - RULES.keys()):
        message = f"{DISABLE_ANNOTATION} names no rule called {rule!r} (see docs/check.md)"
        path = ("metadata", "annotations", DISABLE_ANNOTATION)
        yield report(manifest, Severity.WARNING, "config", message, path)


class Validator:
    """Validates desired states for one repository configuration, caching per object."""

    def __init__(self, config: RepoConfig) -> None:
        self.config = config
        self._builtin = builtin_schemas(config.kubernetes_version)
        self._crds: tuple[Manifest, ...] = ()
        self._context = Context(config.kubernetes_version, self._builtin, {})
        self._cache: weakref.WeakKeyDictionary[Manifest, tuple[Finding, ...]] = (
            weakref.WeakKeyDictionary()
        )

    def _update_custom_kinds(self, manifests: Sequence[Manifest]) -> None:
        crds = tuple(
            m for m in manifests if (m.key.group, m.kind) == (CRD_GROUP, "CustomResourceDefinition")
        )
        if len(crds) == len(self._crds) and all(
            a is b for a, b in zip(crds, self._crds, strict=True)
        ):
            return
        self._crds = crds
        custom = custom_kinds(crds, self._builtin)
        self._context = Context(self.config.kubernetes_version, self._builtin, custom)
        self._cache.clear()

    def _object_findings(self, manifest: Manifest) -> tuple[Finding, ...]:
        cached = self._cache.get(manifest)
        if cached is None:
            disabled = disabled_for(manifest)
            found = [f for rule in OBJECT_RULES for f in rule(manifest, self._context)]
            found.extend(_annotation_typos(manifest, disabled))
            cached = tuple(f for f in found if f.rule not in disabled)
            self._cache[manifest] = cached
        return cached

    def validate(self, result: LoadResult) -> tuple[Finding, ...]:
        """Load findings plus every rule's findings, sorted by place, without disabled ones."""
        manifests = result.manifests
        self._update_custom_kinds(manifests)
        findings = list(result.findings)
        with bulk_build():
            for manifest in manifests:
                findings.extend(self._object_findings(manifest))
            disabled_by_key = {m.key: disabled_for(m) for m in manifests}
            for repo_rule in REPO_RULES:
                for finding in repo_rule(manifests, self._context):
                    if finding.key is None or finding.rule not in disabled_by_key.get(
                        finding.key, ()
                    ):
                        findings.append(finding)
        kept = [f for f in findings if f.rule not in self.config.disabled_rules]
        return tuple(sorted(kept, key=sort_key))


def validate(result: LoadResult, config: RepoConfig) -> tuple[Finding, ...]:
    """All findings for a loaded or rendered desired state (see :class:`Validator`)."""
    return Validator(config).validate(result)
