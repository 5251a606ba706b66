"""The CronJob controller and the small cron parser it needs.

Mirrors ``pkg/controller/cronjob`` (v2): at each scheduled minute a Job named
``<cronjob>-<scheduled time in unix minutes>`` is created from the job template (so a minute
never runs twice, even across restarts), with the scheduled-timestamp annotation; the
concurrency policy, ``startingDeadlineSeconds``, ``suspend`` and the success/failure history
limits are honoured; ``status.active``, ``lastScheduleTime`` and ``lastSuccessfulTime`` are kept.

The parser accepts what ``cron.ParseStandard`` (robfig/cron) does for CronJobs: five fields
with ``*``, ``?``, ranges, lists, steps and month/day names, plus ``@yearly``, ``@monthly``,
``@weekly``, ``@daily``/``@midnight`` and ``@hourly``, evaluated in ``spec.timeZone`` (UTC by
default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gitops_tui.cluster.embedded.controllers.base import (
    Controller,
    Obj,
    controller_ref,
    is_deleting,
    is_kind,
    owner_keys,
    owner_reference,
)
from gitops_tui.cluster.embedded.controllers.job import finished_condition
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import deep_copy, parse_time, rfc3339
from gitops_tui.cluster.embedded.store import Key, WatchEvent

COMPONENT = "cronjob-controller"
SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
#: How far a schedule is searched for its next or previous time.
SEARCH_DAYS = 5 * 366
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, 1)}
WEEKDAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
#: (name, lowest, highest, names) of the five fields.
FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 6, WEEKDAYS),
)


@dataclass(frozen=True)
class Schedule:
    """A parsed cron schedule in one time zone."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool
    zone: dt.tzinfo

    def matches_day(self, day: dt.date) -> bool:
        if day.month not in self.months:
            return False
        by_date = day.day in self.days
        by_weekday = day.isoweekday() % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return by_date and by_weekday
        return by_date or by_weekday

    def _times(self, day: dt.date) -> list[dt.datetime]:
        return [
            dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)
            for hour in sorted(self.hours)
            for minute in sorted(self.minutes)
        ]

    def next_after(self, moment: dt.datetime) -> dt.datetime | None:
        """The first scheduled time strictly after ``moment``."""
        local = moment.astimezone(self.zone)
        for offset in range(SEARCH_DAYS):
            day = local.date() + dt.timedelta(days=offset)
            if self.matches_day(day):
                for candidate in self._times(day):
                    if candidate > moment:
                        return candidate
        return None

    def latest_until(self, moment: dt.datetime) -> dt.datetime | None:
        """The last scheduled time at or before ``moment``."""
        local = moment.astimezone(self.zone)
        for offset in range(SEARCH_DAYS):
            day = local.date() - dt.timedelta(days=offset)
            if self.matches_day(day):
                for candidate in reversed(self._times(day)):
                    if candidate <= moment:
                        return candidate
        return None


def parse_schedule(text: str, time_zone: str | None = None) -> Schedule:
    """Parse a standard cron schedule; ValueError explains what is wrong."""
    try:
        zone: dt.tzinfo = ZoneInfo(time_zone) if time_zone else dt.UTC
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {time_zone}") from exc
    spec = MACROS.get(text.strip().lower(), text)
    if spec.startswith("@"):
        raise ValueError(f"unrecognized descriptor: {spec}")
    parts = spec.split()
    if len(parts) != 5:
        raise ValueError(f"expected exactly 5 fields, found {len(parts)}: [{spec}]")
    parsed = [_parse_field(part, *field) for part, field in zip(parts, FIELDS, strict=True)]
    return Schedule(
        minutes=parsed[0][0],
        hours=parsed[1][0],
        days=parsed[2][0],
        months=parsed[3][0],
        weekdays=parsed[4][0],
        any_day=parsed[2][1],
        any_weekday=parsed[4][1],
        zone=zone,
    )


def _parse_field(
    text: str, name: str, low: int, high: int, names: dict[str, int]
) -> tuple[frozenset[int], bool]:
    """The values of one field, and whether it was a bare ``*``/``?`` (any)."""
    values: set[int] = set()
    star = False
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = _number(step_text, name, {}) if step_text else 1
        if step <= 0:
            raise ValueError(f"step of range should be a positive number: {part}")
        if span in ("*", "?"):
            start, end = low, high
            star = star or not step_text
        elif "-" in span:
            first, _, last = span.partition("-")
            start, end = _number(first, name, names), _number(last, name, names)
        else:
            start = _number(span, name, names)
            end = high if step_text else start
        if start < low or end > high or start > end:
            raise ValueError(f"{name} value out of range ({low}-{high}): {part}")
        values.update(range(start, end + 1, step))
    return frozenset(values), star


def _number(text: str, name: str, names: dict[str, int]) -> int:
    lowered = text.lower()
    if lowered in names:
        return names[lowered]
    if not text.isdigit():
        raise ValueError(f"failed to parse int from {text}: invalid {name}")
    return int(text)


def job_name(cronjob: Obj, scheduled: dt.datetime) -> str:
    return f"{cronjob['metadata']['name']}-{int(scheduled.timestamp()) // 60}"


class CronJobController(Controller):
    name = "cronjob"

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        if is_kind(event, "batch", "cronjobs"):
            return [event.key]
        if is_kind(event, "batch", "jobs"):
            return owner_keys(event, "batch", "cronjobs", "CronJob")
        return []

    def sync(self, key: Key) -> None:
        found = self.ctx.find("cronjobs", key[2], key[3])
        if found is None:
            return
        cronjob = deep_copy(found)
        jobs = self.ctx.controlled_by("jobs", cronjob)
        self._track_jobs(cronjob, jobs)
        self._cleanup_history(cronjob, jobs)
        if not is_deleting(cronjob) and not cronjob["spec"].get("suspend"):
            self._run_schedule(key, cronjob)
        if cronjob.get("status") != (found.get("status") or {}):
            self.ctx.update_status("cronjobs", cronjob)

    def _track_jobs(self, cronjob: Obj, jobs: list[Obj]) -> None:
        """Drop finished and vanished Jobs from ``status.active``; note successes."""
        status = cronjob.setdefault("status", {})
        active = list(status.get("active") or ())
        listed = {ref.get("uid") for ref in active}
        for job in jobs:
            condition = finished_condition(job)
            name, uid = job["metadata"]["name"], job["metadata"]["uid"]
            if condition is None and uid not in listed:
                message = f"Saw a job that the controller did not create or forgot: {name}"
                self.ctx.recorder.event(cronjob, "Warning", "UnexpectedJob", message, COMPONENT)
            elif condition is not None and uid in listed:
                active = [ref for ref in active if ref.get("uid") != uid]
                message = f"Saw completed job: {name}, condition: {condition['type']}"
                self.ctx.recorder.event(cronjob, "Normal", "SawCompletedJob", message, COMPONENT)
            elif condition is not None and condition["type"] == "Complete":
                finished_at = (job.get("status") or {}).get("completionTime") or ""
                if finished_at > (status.get("lastSuccessfulTime") or ""):
                    status["lastSuccessfulTime"] = finished_at
        present = {j["metadata"]["uid"] for j in jobs}
        for ref in list(active):
            if ref.get("uid") not in present:
                message = f"Active job went missing: {ref.get('name')}"
                self.ctx.recorder.event(cronjob, "Normal", "MissingJob", message, COMPONENT)
                active.remove(ref)
        if active:
            status["active"] = active
        else:
            status.pop("active", None)

    def _cleanup_history(self, cronjob: Obj, jobs: list[Obj]) -> None:
        spec = cronjob["spec"]
        for kind, limit in (
            ("Complete", spec.get("successfulJobsHistoryLimit", 3)),
            ("Failed", spec.get("failedJobsHistoryLimit", 1)),
        ):
            finished = [
                j
                for j in jobs
                if (finished_condition(j) or {}).get("type") == kind and not is_deleting(j)
            ]
            finished.sort(
                key=lambda j: (
                    (j.get("status") or {}).get("startTime") or "",
                    j["metadata"]["name"],
                )
            )
            for job in finished[: max(len(finished) - int(limit), 0)]:
                if self.ctx.delete("jobs", job, policy="Background"):
                    message = f"Deleted job {job['metadata']['name']}"
                    self.ctx.recorder.event(
                        cronjob, "Normal", "SuccessfulDelete", message, COMPONENT
                    )

    def _run_schedule(self, key: Key, cronjob: Obj) -> None:
        spec = cronjob["spec"]
        try:
            schedule = parse_schedule(spec.get("schedule", ""), spec.get("timeZone"))
        except ValueError as exc:
            message = f'unparseable schedule: "{spec.get("schedule", "")}" : {exc}'
            self.ctx.recorder.event(cronjob, "Warning", "UnparseableSchedule", message, COMPONENT)
            return
        now = self.ctx.now()
        due = self._due_time(cronjob, schedule, now)
        if due is not None:
            self._start_job(cronjob, due)
        upcoming = schedule.next_after(now)
        if upcoming is not None:
            self.after(key, (upcoming - now).total_seconds() + 0.1)

    def _due_time(self, cronjob: Obj, schedule: Schedule, now: dt.datetime) -> dt.datetime | None:
        """The most recent unstarted scheduled time, if still within the starting deadline."""
        status = cronjob.get("status") or {}
        earliest = parse_time(
            status.get("lastScheduleTime") or cronjob["metadata"]["creationTimestamp"]
        )
        latest = schedule.latest_until(now)
        if latest is None or latest <= earliest:
            return None
        deadline = cronjob["spec"].get("startingDeadlineSeconds")
        if deadline is not None and latest < now - dt.timedelta(seconds=int(deadline)):
            message = (
                f"Missed scheduled time to start a job: {latest.strftime('%Y-%m-%dT%H:%M:%S%z')}"
            )
            self.ctx.recorder.event(cronjob, "Warning", "MissSchedule", message, COMPONENT)
            return None
        return latest

    def _start_job(self, cronjob: Obj, scheduled: dt.datetime) -> None:
        status = cronjob.setdefault("status", {})
        active = status.get("active") or []
        policy = cronjob["spec"].get("concurrencyPolicy", "Allow")
        if active and policy == "Forbid":
            message = (
                "Not starting job because prior execution is running and concurrency policy is "
                "Forbid"
            )
            self.ctx.recorder.event(cronjob, "Normal", "JobAlreadyActive", message, COMPONENT)
            return
        if active and policy == "Replace":
            for ref in active:
                job = self.ctx.find("jobs", cronjob["metadata"]["namespace"], ref.get("name", ""))
                if job is not None and self.ctx.delete("jobs", job, policy="Background"):
                    message = f"Deleted job {ref.get('name')}"
                    self.ctx.recorder.event(
                        cronjob, "Normal", "SuccessfulDelete", message, COMPONENT
                    )
            active = []
        job = self._create_job(cronjob, scheduled)
        if job is None:
            return
        if all(ref.get("uid") != job["metadata"]["uid"] for ref in active):
            active = [*active, job_reference(job)]
        status["active"] = active
        status["lastScheduleTime"] = rfc3339(scheduled.astimezone(dt.UTC))

    def _create_job(self, cronjob: Obj, scheduled: dt.datetime) -> Obj | None:
        template = cronjob["spec"].get("jobTemplate") or {}
        template_meta = template.get("metadata") or {}
        annotations = dict(template_meta.get("annotations") or {})
        zone = cronjob["spec"].get("timeZone")
        local = scheduled.astimezone(ZoneInfo(zone) if zone else dt.UTC)
        annotations[SCHEDULED_ANNOTATION] = _rfc3339_with_offset(local)
        meta: Obj = {"name": job_name(cronjob, scheduled), "annotations": annotations}
        if template_meta.get("labels"):
            meta["labels"] = dict(template_meta["labels"])
        meta["ownerReferences"] = [owner_reference(cronjob)]
        body = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": meta,
            "spec": deep_copy(template.get("spec") or {}),
        }
        namespace = cronjob["metadata"]["namespace"]
        try:
            created = self.ctx.create("jobs", namespace, body)
        except APIError as exc:
            if exc.reason != "AlreadyExists":
                message = f"Error creating job: {exc.message}"
                self.ctx.recorder.event(cronjob, "Warning", "FailedCreate", message, COMPONENT)
                raise
            existing = self.ctx.find("jobs", namespace, meta["name"])
            if (
                existing is None
                or (controller_ref(existing) or {}).get("uid") != cronjob["metadata"]["uid"]
            ):
                return None
            return existing
        message = f"Created job {created['metadata']['name']}"
        self.ctx.recorder.event(cronjob, "Normal", "SuccessfulCreate", message, COMPONENT)
        return created


def _rfc3339_with_offset(moment: dt.datetime) -> str:
    """Go's ``time.RFC3339``: ``Z`` for UTC, ``+02:00`` otherwise."""
    if moment.utcoffset() == dt.timedelta(0):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = moment.strftime("%Y-%m-%dT%H:%M:%S%z")
    return f"{text[:-2]}:{text[-2:]}"


def job_reference(job: Obj) -> Obj:
    meta = job["metadata"]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "name": meta["name"],
        "namespace": meta["namespace"],
        "resourceVersion": meta.get("resourceVersion", ""),
        "uid": meta["uid"],
    }
