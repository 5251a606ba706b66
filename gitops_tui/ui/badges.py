"""Sync and health badges that read without colour: every status has its own symbol.

Colour only reinforces the symbol (people with colour blindness, monochrome terminals, and
screenshots in print all read the same thing). The style is named after the status and set in
``app.tcss`` through the theme's variables, so dark and light themes both work.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitops_tui.model import Health, SyncStatus


@dataclass(frozen=True)
class Badge:
    symbol: str
    word: str
    style: str
    """The component class (in ``app.tcss``) that colours it."""

    @property
    def text(self) -> str:
        return f"{self.symbol} {self.word}"


SYNC_BADGES: dict[SyncStatus, Badge] = {
    SyncStatus.SYNCED: Badge("✓", "Synced", "badge--good"),
    SyncStatus.OUT_OF_SYNC: Badge("≠", "OutOfSync", "badge--warn"),
    SyncStatus.MISSING: Badge("∅", "Missing", "badge--bad"),
    SyncStatus.EXTRA: Badge("+", "Extra", "badge--info"),
    SyncStatus.UNKNOWN: Badge("?", "Unknown", "badge--muted"),
}

HEALTH_BADGES: dict[Health, Badge] = {
    Health.HEALTHY: Badge("♥", "Healthy", "badge--good"),
    Health.PROGRESSING: Badge("◐", "Progressing", "badge--info"),
    Health.DEGRADED: Badge("✗", "Degraded", "badge--bad"),
    Health.SUSPENDED: Badge("‖", "Suspended", "badge--muted"),
    Health.MISSING: Badge("○", "Missing", "badge--warn"),
    Health.UNKNOWN: Badge("?", "Unknown", "badge--muted"),
}

#: Owned children (ReplicaSets, Pods) have no sync status of their own.
NO_SYNC = Badge("·", "", "badge--muted")

#: Every component class a badge may use, for widgets that declare them.
BADGE_STYLES = frozenset(
    badge.style for badge in (*SYNC_BADGES.values(), *HEALTH_BADGES.values(), NO_SYNC)
)


def sync_badge(status: SyncStatus | None) -> Badge:
    return NO_SYNC if status is None else SYNC_BADGES[status]


def health_badge(health: Health) -> Badge:
    return HEALTH_BADGES[health]
