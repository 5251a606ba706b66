"""Validation of the workload kinds (apps/v1 and batch/v1), create and update.

Selectors that must match their template, immutable selectors, restart policies each
controller supports and the rolling-update arithmetic are what GitOps tools trip over most
(an immutable-selector error is the classic failed sync), so the texts and paths are those
of ``pkg/apis/apps/validation`` and ``pkg/apis/batch/validation``.
"""

from __future__ import annotations

from typing import Any

from gitops_tui.cluster.embedded.validation_fields import (
    FieldError,
    child,
    forbidden,
    invalid,
    label_selector_value,
    mapping,
    not_supported,
    required,
    sorted_map,
)
from gitops_tui.cluster.embedded.validation_meta import (
    selector_is_empty,
    selector_is_parsable,
    selector_matches,
    semantic_equal,
    validate_annotations,
    validate_immutable,
    validate_label_selector,
    validate_labels,
)
from gitops_tui.cluster.embedded.validation_names import is_valid_percent
from gitops_tui.cluster.embedded.validation_pod import validate_pod_template

Errors = list[FieldError]
NOT_MATCHING = "`selector` does not match template `labels`"
STATEFUL_SET_UPDATE = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
    "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
)
STATEFUL_SET_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)
CRON_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def validate_deployment(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    spec, path = _spec(obj), "spec"
    errors = _nonnegative(spec, "replicas", path)
    errors += _required_selector(spec, path, "deployment")
    errors += _replica_set_template(spec, path, "ReplicaSet")
    errors += _deployment_strategy(spec.get("strategy"), child(path, "strategy"))
    errors += _nonnegative(spec, "minReadySeconds", path)
    errors += _nonnegative(spec, "revisionHistoryLimit", path)
    deadline = spec.get("progressDeadlineSeconds")
    if isinstance(deadline, int):
        errors += _nonnegative(spec, "progressDeadlineSeconds", path)
        if deadline <= (spec.get("minReadySeconds") or 0):
            errors.append(
                invalid(
                    child(path, "progressDeadlineSeconds"),
                    deadline,
                    "must be greater than minReadySeconds",
                )
            )
    return errors + _immutable_selector(obj, old)


def validate_replica_set(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    spec, path = _spec(obj), "spec"
    errors = _nonnegative(spec, "replicas", path) + _nonnegative(spec, "minReadySeconds", path)
    errors += _required_selector(spec, path, "deployment")
    errors += _replica_set_template(spec, path, "ReplicaSet")
    return errors + _immutable_selector(obj, old)


def validate_stateful_set(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    spec, path = _spec(obj), "spec"
    errors: Errors = []
    policy = spec.get("podManagementPolicy")
    if not policy:
        errors.append(required(child(path, "podManagementPolicy")))
    elif policy not in ("OrderedReady", "Parallel"):
        errors.append(
            invalid(
                child(path, "podManagementPolicy"), policy, "must be 'OrderedReady' or 'Parallel'"
            )
        )
    errors += _stateful_set_strategy(spec.get("updateStrategy"), child(path, "updateStrategy"))
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if isinstance(retention, dict):
        retention_path = child(path, "persistentVolumeClaimRetentionPolicy")
        for name in ("whenDeleted", "whenScaled"):
            if retention.get(name) not in ("Retain", "Delete"):
                errors.append(
                    not_supported(
                        child(retention_path, name), retention.get(name) or "", ["Retain", "Delete"]
                    )
                )
    errors += _nonnegative(spec, "replicas", path) + _nonnegative(spec, "minReadySeconds", path)
    errors += _required_selector(spec, path, "statefulset")
    template = mapping(spec.get("template"))
    errors += _template_selector_match(spec, template, child(path, "template"), strict=False)
    meta = mapping(template.get("metadata"))
    errors += validate_labels(meta.get("labels"), child(child(path, "template"), "labels"))
    errors += validate_annotations(
        meta.get("annotations"), child(child(path, "template"), "annotations")
    )
    errors += _controller_restart_policy(template, path, "StatefulSet")
    if old is not None:
        mutable = {k: v for k, v in spec.items() if k not in STATEFUL_SET_MUTABLE}
        old_spec = _spec(old)
        old_fixed = {k: v for k, v in old_spec.items() if k not in STATEFUL_SET_MUTABLE}
        if not semantic_equal(mutable, old_fixed):
            errors.append(forbidden("spec", STATEFUL_SET_UPDATE))
    return errors


def validate_daemon_set(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    spec, path = _spec(obj), "spec"
    selector = spec.get("selector")
    errors = validate_label_selector(selector, child(path, "selector"))
    template = mapping(spec.get("template"))
    labels = (template.get("metadata") or {}).get("labels")
    if selector_is_parsable(selector) and not (
        isinstance(selector, dict) and selector_matches(selector, labels)
    ):
        errors.append(
            invalid(child(path, "template.metadata.labels"), sorted_map(labels or {}), NOT_MATCHING)
        )
    if isinstance(selector, dict) and selector_is_empty(selector):
        errors.append(
            invalid(
                child(path, "selector"),
                label_selector_value(selector),
                "empty selector is invalid for daemonset",
            )
        )
    errors += validate_pod_template(template, child(path, "template"))
    errors += _controller_restart_policy(template, path, "DaemonSet")
    errors += _nonnegative(spec, "minReadySeconds", path)
    errors += _daemon_set_strategy(spec.get("updateStrategy"), child(path, "updateStrategy"))
    errors += _nonnegative(spec, "revisionHistoryLimit", path)
    return errors + _immutable_selector(obj, old)


def validate_job(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    spec, path = _spec(obj), "spec"
    selector = spec.get("selector")
    errors = job_spec(spec, path)
    if selector is None:
        errors.append(required(child(path, "selector")))
    else:
        errors += validate_label_selector(selector, child(path, "selector"))
    template = mapping(spec.get("template"))
    labels = (template.get("metadata") or {}).get("labels")
    if selector_is_parsable(selector) and not (
        isinstance(selector, dict) and selector_matches(selector, labels)
    ):
        errors.append(
            invalid(child(path, "template.metadata.labels"), sorted_map(labels or {}), NOT_MATCHING)
        )
    if old is not None:
        errors += _job_update(spec, _spec(old), path)
    return errors


def job_spec(spec: dict[str, Any], path: str) -> Errors:
    """validateJobSpec, shared by Jobs and CronJob job templates."""
    errors: Errors = []
    for name in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit"):
        errors += _nonnegative(spec, name, path)
    errors += _nonnegative(spec, "ttlSecondsAfterFinished", path)
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        errors.append(not_supported(child(path, "completionMode"), mode, ["NonIndexed", "Indexed"]))
    if mode == "Indexed" and spec.get("completions") is None:
        errors.append(required(child(path, "completions"), "when completion mode is Indexed"))
    template = spec.get("template")
    errors += validate_pod_template(template, child(path, "template"))
    restart = (
        ((template or {}).get("spec") or {}).get("restartPolicy")
        if isinstance(template, dict)
        else None
    )
    if restart not in ("OnFailure", "Never"):
        errors.append(
            not_supported(
                child(path, "template.spec.restartPolicy"), restart or "", ["OnFailure", "Never"]
            )
        )
    return errors


def _job_update(spec: dict[str, Any], old_spec: dict[str, Any], path: str) -> Errors:
    errors: Errors = []
    elastic = spec.get("completionMode") == "Indexed" and spec.get("completions") == spec.get(
        "parallelism"
    )
    if not elastic:
        errors += validate_immutable(
            spec.get("completions"), old_spec.get("completions"), child(path, "completions")
        )
    errors += validate_immutable(
        spec.get("selector"),
        old_spec.get("selector"),
        child(path, "selector"),
        label_selector_value(spec.get("selector")),
    )
    errors += validate_immutable(
        spec.get("template"), old_spec.get("template"), child(path, "template")
    )
    for name in ("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy"):
        errors += validate_immutable(spec.get(name), old_spec.get(name), child(path, name))
    return errors


def validate_cron_job(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    spec, path = _spec(obj), "spec"
    errors: Errors = []
    name = (obj.get("metadata") or {}).get("name") or ""
    if old is None and len(name) > 52:
        errors.append(invalid("metadata.name", name, "must be no more than 52 characters"))
    schedule = spec.get("schedule") or ""
    if not schedule:
        errors.append(required(child(path, "schedule")))
    else:
        errors += _cron_schedule(schedule, child(path, "schedule"))
    policy = spec.get("concurrencyPolicy")
    if not policy:
        errors.append(required(child(path, "concurrencyPolicy")))
    elif policy not in ("Allow", "Forbid", "Replace"):
        errors.append(
            not_supported(child(path, "concurrencyPolicy"), policy, ["Allow", "Forbid", "Replace"])
        )
    for field_name in (
        "startingDeadlineSeconds",
        "successfulJobsHistoryLimit",
        "failedJobsHistoryLimit",
    ):
        errors += _nonnegative(spec, field_name, path)
    job_template = mapping(spec.get("jobTemplate"))
    template_path = child(path, "jobTemplate")
    job = mapping(job_template.get("spec"))
    errors += job_spec(job, child(template_path, "spec"))
    if job.get("selector") is not None:
        errors.append(
            invalid(
                child(template_path, "spec.selector"),
                label_selector_value(job["selector"]),
                "`selector` will be auto-generated",
            )
        )
    if job.get("manualSelector"):
        errors.append(
            not_supported(child(template_path, "spec.manualSelector"), True, ["nil", "false"])
        )
    return errors


def _cron_schedule(schedule: str, path: str) -> Errors:
    """robfig/cron's ParseStandard, as far as its error messages go."""
    if "TZ=" in schedule:
        return [
            invalid(
                path,
                schedule,
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            )
        ]
    if schedule.startswith("@"):
        if schedule in CRON_DESCRIPTORS or schedule.startswith("@every "):
            return []
        return [invalid(path, schedule, f"unrecognized descriptor: {schedule}")]
    fields = schedule.split()
    if len(fields) != 5:
        return [
            invalid(path, schedule, f"expected exactly 5 fields, found {len(fields)}: {schedule}")
        ]
    return []


def _spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def _nonnegative(spec: dict[str, Any], name: str, path: str) -> Errors:
    value = spec.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [invalid(child(path, name), value, "must be greater than or equal to 0")]
    return []


def _required_selector(spec: dict[str, Any], path: str, kind: str) -> Errors:
    selector = spec.get("selector")
    if selector is None:
        return [required(child(path, "selector"))]
    errors = validate_label_selector(selector, child(path, "selector"))
    if selector_is_empty(selector):
        errors.append(
            invalid(
                child(path, "selector"),
                label_selector_value(selector),
                f"empty selector is invalid for {kind}",
            )
        )
    return errors


def _template_selector_match(
    spec: dict[str, Any], template: dict[str, Any], path: str, *, strict: bool
) -> Errors:
    """The template labels must be selected (a nil selector selects nothing)."""
    selector = spec.get("selector")
    if not selector_is_parsable(selector):
        message = "invalid label selector" if strict else ""
        return [invalid("spec.selector", label_selector_value(selector), message)]
    if selector is not None and selector_is_empty(selector):
        return []
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(selector, dict) and selector_matches(selector, labels):
        return []
    return [invalid(child(path, "metadata.labels"), sorted_map(labels or {}), NOT_MATCHING)]


def _replica_set_template(spec: dict[str, Any], path: str, kind: str) -> Errors:
    """ValidatePodTemplateSpecForReplicaSet (Deployments and ReplicaSets)."""
    template_path = child(path, "template")
    template = spec.get("template")
    if not isinstance(template, dict):
        return [required(template_path)]
    errors = _template_selector_match(spec, template, template_path, strict=True)
    if errors and errors[0].field == "spec.selector":
        return errors
    errors += validate_pod_template(template, template_path)
    return errors + _controller_restart_policy(template, path, kind)


def _controller_restart_policy(template: dict[str, Any], path: str, kind: str) -> Errors:
    pod_spec = mapping(template.get("spec"))
    errors: Errors = []
    restart = pod_spec.get("restartPolicy")
    if restart != "Always":
        errors.append(
            not_supported(child(path, "template.spec.restartPolicy"), restart or "", ["Always"])
        )
    if pod_spec.get("activeDeadlineSeconds") is not None:
        errors.append(
            forbidden(
                child(path, "template.spec.activeDeadlineSeconds"),
                f"activeDeadlineSeconds in {kind} is not Supported",
            )
        )
    return errors


def _immutable_selector(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    if old is None:
        return []
    selector = _spec(obj).get("selector")
    return validate_immutable(
        selector, _spec(old).get("selector"), "spec.selector", label_selector_value(selector)
    )


def _int_or_percent(value: Any, path: str) -> Errors:
    """ValidatePositiveIntOrPercent and IsNotMoreThan100Percent."""
    if isinstance(value, str):
        errors = [invalid(path, value, msg) for msg in is_valid_percent(value)]
        if not errors and int(value[:-1]) > 100:
            errors.append(invalid(path, value, "must not be greater than 100%"))
        return errors
    if isinstance(value, int) and value < 0:
        return [invalid(path, value, "must be greater than or equal to 0")]
    return []


def _int_or_percent_value(value: Any) -> int:
    if isinstance(value, str):
        return int(value[:-1]) if not is_valid_percent(value) else 0
    return value if isinstance(value, int) else 0


def _deployment_strategy(strategy: Any, path: str) -> Errors:
    strategy = strategy if isinstance(strategy, dict) else {}
    kind = strategy.get("type")
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            return [
                forbidden(
                    child(path, "rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                )
            ]
        return []
    if kind == "RollingUpdate":
        if not isinstance(rolling, dict):
            return [
                required(child(path, "rollingUpdate"), "this should be defaulted and never be nil")
            ]
        rolling_path = child(path, "rollingUpdate")
        unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
        errors = _int_or_percent(unavailable, child(rolling_path, "maxUnavailable"))
        errors += _int_or_percent(surge, child(rolling_path, "maxSurge"))
        if _int_or_percent_value(unavailable) == 0 and _int_or_percent_value(surge) == 0:
            errors.append(
                invalid(
                    child(rolling_path, "maxUnavailable"),
                    unavailable if unavailable is not None else 0,
                    "may not be 0 when `maxSurge` is 0",
                )
            )
        return errors
    return [not_supported(path, strategy, ["Recreate", "RollingUpdate"])]


def _stateful_set_strategy(strategy: Any, path: str) -> Errors:
    strategy = strategy if isinstance(strategy, dict) else {}
    kind = strategy.get("type")
    rolling = strategy.get("rollingUpdate")
    if not kind:
        return [required(path)]
    if kind == "OnDelete":
        if rolling is not None:
            return [
                invalid(
                    child(path, "rollingUpdate"),
                    rolling,
                    "only allowed for updateStrategy 'RollingUpdate'",
                )
            ]
        return []
    if kind == "RollingUpdate":
        if not isinstance(rolling, dict):
            return []
        rolling_path = child(path, "rollingUpdate")
        errors = _nonnegative(rolling, "partition", rolling_path)
        unavailable = rolling.get("maxUnavailable")
        if unavailable is not None:
            unavailable_path = child(rolling_path, "maxUnavailable")
            errors += _int_or_percent(unavailable, unavailable_path)
            if _int_or_percent_value(unavailable) == 0:
                errors.append(invalid(unavailable_path, unavailable, "cannot be 0"))
        return errors
    return [invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")]


def _daemon_set_strategy(strategy: Any, path: str) -> Errors:
    strategy = strategy if isinstance(strategy, dict) else {}
    kind = strategy.get("type")
    if kind == "OnDelete":
        return []
    if kind != "RollingUpdate":
        return [not_supported(path, strategy, ["RollingUpdate", "OnDelete"])]
    rolling = strategy.get("rollingUpdate")
    if not isinstance(rolling, dict):
        return [required(child(path, "rollingUpdate"))]
    rolling_path = child(path, "rollingUpdate")
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    errors = _int_or_percent(unavailable, child(rolling_path, "maxUnavailable"))
    errors += _int_or_percent(surge, child(rolling_path, "maxSurge"))
    has_unavailable = _int_or_percent_value(unavailable) != 0
    has_surge = _int_or_percent_value(surge) != 0
    if has_unavailable and has_surge:
        errors.append(
            invalid(
                child(rolling_path, "maxSurge"),
                surge,
                "may not be set when maxUnavailable is non-zero",
            )
        )
    elif not has_unavailable and not has_surge:
        errors.append(
            required(child(rolling_path, "maxUnavailable"), "cannot be 0 when maxSurge is 0")
        )
    return errors
