"""Secrets committed in plain text: base64 is an encoding, not encryption.

A Git history keeps every value forever, so a plain Secret in a pull request is a leak even if
removed later. The finding names the fields, never the values, and points to SOPS or Sealed
Secrets, which let an encrypted form live in Git.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_tui.manifests.findings import Finding, Severity
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.rules.context import Context, mapping, report

SECRET_FIELDS = ("data", "stringData")


def is_secret(manifest: Manifest) -> bool:
    return (manifest.key.group, manifest.kind) == ("", "Secret")


def _encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith("ENC[")


def check_plaintext_secret(manifest: Manifest, context: Context) -> Iterable[Finding]:
    if not is_secret(manifest) or "sops" in manifest.body:
        return
    for field in SECRET_FIELDS:
        values = mapping(manifest.body.get(field))
        plain = sorted(key for key, value in values.items() if not _encrypted(value))
        if plain:
            shown = ", ".join(plain[:5]) + (", ..." if len(plain) > 5 else "")
            message = (
                f"Secret {manifest.key.name!r} commits {len(plain)} value(s) of {field} "
                f"({shown}) in plain text; encrypt the file with SOPS or commit a "
                "SealedSecret instead, and rotate values that were ever pushed"
            )
            yield report(manifest, Severity.WARNING, "plaintext-secret", message, (field,))
