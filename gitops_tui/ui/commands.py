"""``:``: the command palette, k9s-style: every action by name, quick filters, and any resource
by kind and name (``deploy api`` jumps to it).

Built on Textual's command palette (fuzzy matching, highlighting, keyboard handling); this
module only lists what can be done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TypeAlias

from textual.command import DiscoveryHit, Hit, Hits, Provider

from gitops_tui.ui.screens.main import MainScreen

_Command: TypeAlias = tuple[str, str, Callable[[], object]]

#: (name, help, action) of each command; actions are the app's.
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("sync", "apply the latest commit now", "sync"),
    ("commit", "commit and push the working tree's changes", "commit"),
    ("revert", "pick a commit to revert", "history"),
    ("history", "the deployed branch's commits", "history"),
    ("edit", "simulate a manual edit of the selected resource", "simulate"),
    ("auto-sync", "toggle applying new commits automatically", "flip('auto-sync')"),
    ("self-heal", "toggle undoing manual changes", "flip('self-heal')"),
    ("prune", "toggle deleting objects removed from Git", "flip('prune')"),
    ("worktree", "working tree vs Git: uncommitted files, problems", "working_tree"),
    ("theme", "switch between the dark and light themes", "toggle_dark"),
    ("help", "keys and badges", "help"),
    ("quit", "leave (Git and the cluster keep the state)", "quit"),
)
#: Quick filters: (name, filter text).
FILTERS: tuple[tuple[str, str], ...] = (
    ("outofsync", "outofsync"),
    ("missing", "missing"),
    ("degraded", "degraded"),
    ("progressing", "progressing"),
    ("uncommitted", "uncommitted"),
)


class GitOpsCommands(Provider):
    def _main(self) -> MainScreen | None:
        screen = self.screen
        return screen if isinstance(screen, MainScreen) else None

    def _named(self) -> Iterator[_Command]:
        """Actions and quick filters: what the palette lists before anything is typed."""
        for name, text, action in ACTIONS:
            yield name, text, partial(self.app.run_action, action)
        main = self._main()
        if main is None:
            return
        for name, query in FILTERS:
            yield f"filter {name}", f"show only {name} resources", partial(main.apply_filter, query)
        yield "filter clear", "show every resource", partial(main.apply_filter, "")

    def _resources(self) -> Iterator[_Command]:
        main = self._main()
        view = main.view if main is not None else None
        if main is None or view is None:
            return
        for state in view.resources:
            key = state.key
            where = f"{key.namespace}/" if key.namespace else ""
            yield (
                f"{key.kind.lower()} {where}{key.name}",
                "go to resource",
                partial(main.select, key),
            )

    async def discover(self) -> Hits:
        for name, text, command in self._named():
            yield DiscoveryHit(name, command, help=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, text, command in (*self._named(), *self._resources()):
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=text)
