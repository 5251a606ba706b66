"""API errors as kube-apiserver reports them: an HTTP code plus a ``v1 Status`` body.

Clients branch on ``reason`` and ``code`` (the kubernetes client raises ``ApiException`` with
them; kubectl prints ``message`` after ``Error from server (<reason>)``), so every failure the
embedded server answers goes through one of these constructors, with kube-apiserver's wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gitops_tui.cluster.embedded.registry import ResourceType


class APIError(Exception):
    """A failed request; :meth:`status` is the body sent to the client."""

    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:
            body["reason"] = self.reason
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def _details(rt: ResourceType, name: str, **extra: Any) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name}
    if rt.group:
        details["group"] = rt.group
    details["kind"] = rt.plural
    details.update(extra)
    return details


def not_found(rt: ResourceType, name: str) -> APIError:
    return APIError(404, "NotFound", f'{rt.group_resource} "{name}" not found', _details(rt, name))


def namespace_not_found(namespace: str) -> APIError:
    return APIError(
        404,
        "NotFound",
        f'namespaces "{namespace}" not found',
        {"name": namespace, "kind": "namespaces"},
    )


def already_exists(rt: ResourceType, name: str) -> APIError:
    return APIError(
        409, "AlreadyExists", f'{rt.group_resource} "{name}" already exists', _details(rt, name)
    )


def conflict(rt: ResourceType, name: str) -> APIError:
    return APIError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {rt.group_resource} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        _details(rt, name),
    )


def conflict_with(rt: ResourceType, name: str, why: str) -> APIError:
    return APIError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {rt.group_resource} "{name}": {why}',
        _details(rt, name),
    )


def apply_conflict(message: str, causes: list[dict[str, Any]]) -> APIError:
    return APIError(409, "Conflict", message, {"causes": causes})


def invalid(rt: ResourceType, name: str, errors: Sequence[Any]) -> APIError:
    """422 Invalid from a list of field errors (objects with ``type``, ``field``, ``detail``)."""
    texts = [str(error) for error in errors]
    summary = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    kind = f"{rt.kind}.{rt.group}" if rt.group else rt.kind
    causes = [
        {"reason": error.type, "message": error.detail, "field": error.field} for error in errors
    ]
    details: dict[str, Any] = {"name": name}
    if rt.group:
        details["group"] = rt.group
    details["kind"] = rt.kind
    details["causes"] = causes
    return APIError(422, "Invalid", f'{kind} "{name}" is invalid: {summary}', details)


def bad_request(message: str) -> APIError:
    return APIError(400, "BadRequest", message)


def forbidden_terminating(rt: ResourceType, name: str, namespace: str) -> APIError:
    return APIError(
        403,
        "Forbidden",
        f'{rt.group_resource} "{name}" is forbidden: unable to create new content in namespace '
        f"{namespace} because it is being terminated",
        _details(
            rt,
            name,
            causes=[
                {
                    "reason": "NamespaceTerminating",
                    "message": f"namespace {namespace} is being terminated",
                    "field": "metadata.namespace",
                }
            ],
        ),
    )


def method_not_allowed(verb: str, rt: ResourceType | None = None) -> APIError:
    target = f" on {rt.group_resource}" if rt is not None else ""
    return APIError(
        405,
        "MethodNotAllowed",
        f"the server does not allow this method on the requested resource{target}",
    )


def unsupported_media_type(content_type: str, accepted: Sequence[str]) -> APIError:
    return APIError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{', '.join(accepted)}",
    )


def resource_not_found() -> APIError:
    return APIError(404, "NotFound", "the server could not find the requested resource", {})


def expired(requested: int, oldest: int) -> APIError:
    return APIError(410, "Expired", f"too old resource version: {requested} ({oldest})")


def unauthorized() -> APIError:
    return APIError(401, "Unauthorized", "Unauthorized")


def internal(message: str) -> APIError:
    return APIError(500, "InternalError", f"Internal error occurred: {message}")
