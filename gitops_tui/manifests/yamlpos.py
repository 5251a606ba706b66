"""Parse YAML into plain values plus the line and column of every field.

Findings must point at the line a user has to edit. PyYAML's composer knows every node's
position (its marks) but the stock constructor throws them away, so we compose with libyaml
when available and build values ourselves, keeping a compact position tree beside each
document. Values follow what kubectl makes of YAML: timestamps stay strings, keys are strings,
a key given twice is an error (PyYAML would silently keep the last one), merge keys work.
Problems become findings with line and column, never exceptions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from gitops_tui.manifests.findings import Finding, Severity, SourcePos

#: ``(line, column, children)`` of one node; children are keyed like the value they describe.
Pos: TypeAlias = "tuple[int, int, dict[str, Pos] | list[Pos] | None]"

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SCALARS = SafeConstructor()
_CONSTRUCT: dict[str, Callable[[SafeConstructor, Any], Any]] = {
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
}
#: Nodes a document may build per character of its file before we call it an alias bomb.
_EXPANSION_PER_CHAR = 10


_RESOLVER = Resolver()


@functools.lru_cache(maxsize=8192)
def _resolve_scalar(value: str, implicit: tuple[bool, bool]) -> str:
    # Most scalars in a repository repeat (keys, "true", image names): resolve each text once.
    return str(Resolver.resolve(_RESOLVER, ScalarNode, value, implicit))  # type: ignore[no-untyped-call]


_Base: Any = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class _Composer(_Base):  # type: ignore[misc]
    """libyaml's parser and composer with a memoised scalar resolver."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _resolve_scalar(value, implicit)
        return str(Resolver.resolve(self, kind, value, implicit))  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Document:
    """One YAML document: its value and the position tree of that value."""

    body: Any
    positions: Pos


@dataclass(frozen=True)
class ParsedFile:
    documents: tuple[Document, ...]
    findings: tuple[Finding, ...]


def position_in(root: Pos, field_path: Sequence[str | int]) -> tuple[int, int, int]:
    """``(depth, line, column)`` of the deepest node along ``field_path`` that exists."""
    line, column, children = root
    depth = 0
    for segment in field_path:
        child: Pos | None = None
        if isinstance(children, dict) and isinstance(segment, str):
            child = children.get(segment)
        elif isinstance(children, list) and isinstance(segment, int):
            child = children[segment] if 0 <= segment < len(children) else None
        if child is None:
            break
        line, column, children = child
        depth += 1
    return depth, line, column


class _TooLarge(Exception):
    pass


class _Builder:
    """Builds plain values from composed nodes, recording positions and problems."""

    def __init__(self, path: str, budget: int) -> None:
        self.path = path
        self.budget = budget
        self.findings: list[Finding] = []

    def build(self, node: Node) -> tuple[Any, dict[str, Pos] | list[Pos] | None]:
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge
        cls = node.__class__
        if cls is ScalarNode:
            if node.tag == _STR:
                return node.value, None
            construct = _CONSTRUCT.get(node.tag)
            # Timestamps, binary and custom tags stay text, as in kubectl's YAML-to-JSON step.
            return (node.value if construct is None else construct(_SCALARS, node)), None
        if cls is SequenceNode:
            items: list[Any] = []
            positions: list[Pos] = []
            for child in node.value:
                value, grandchildren = self.build(child)
                items.append(value)
                mark = child.start_mark
                positions.append((mark.line + 1, mark.column + 1, grandchildren))
            return items, positions
        return self._mapping(node)

    def _mapping(self, node: Node) -> tuple[dict[str, Any], dict[str, Pos]]:
        out: dict[str, Any] = {}
        positions: dict[str, Pos] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            if key_node.__class__ is not ScalarNode:
                self._problem(key_node, "yaml-syntax", "mapping keys must be plain strings")
                continue
            key = key_node.value
            if key in out:
                first = positions[key][0]
                self._problem(
                    key_node,
                    "yaml-duplicate-key",
                    f"key {key!r} is already set on line {first}; YAML would silently keep "
                    "this one and kubectl rejects the file: remove one of them",
                )
            value, children = self.build(value_node)
            out[key] = value
            mark = key_node.start_mark
            positions[key] = (mark.line + 1, mark.column + 1, children)
        for merge in merges:
            sources = merge.value if merge.__class__ is SequenceNode else [merge]
            for source in sources:
                value, children = self.build(source)
                if not isinstance(value, dict) or not isinstance(children, dict):
                    self._problem(source, "yaml-syntax", "a merge key (<<) needs a mapping")
                    continue
                for key, item in value.items():
                    if key not in out:
                        out[key] = item
                        positions[key] = children[key]
        return out, positions

    def _problem(self, node: Node, rule: str, message: str) -> None:
        mark = node.start_mark
        where = SourcePos(self.path, mark.line + 1, mark.column + 1)
        self.findings.append(Finding(Severity.ERROR, rule, message, where))


def _syntax_finding(path: str, exc: yaml.YAMLError) -> Finding:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark, problem = exc.problem_mark, exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        opened = exc.context_mark
        if opened is not None and opened.line < mark.line:
            # An unclosed bracket or a key without its colon: the cause is where it began.
            context += f"; noticed on line {mark.line + 1}"
            mark = opened
        where = SourcePos(path, mark.line + 1, mark.column + 1)
        return Finding(Severity.ERROR, "yaml-syntax", f"{problem}{context}", where)
    return Finding(Severity.ERROR, "yaml-syntax", str(exc).splitlines()[0], SourcePos(path, 1))


def parse(path: str, content: bytes) -> ParsedFile:
    """Every document of a YAML (or JSON) file, stopping at the first syntax error."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        message = "the file is not valid UTF-8 text"
        return ParsedFile(
            (), (Finding(Severity.ERROR, "yaml-syntax", message, SourcePos(path, line)),)
        )
    builder = _Builder(path, _EXPANSION_PER_CHAR * len(text) + 10_000)
    documents: list[Document] = []
    composer = _Composer(text)
    try:
        while composer.check_node():
            node = composer.get_node()
            body, children = builder.build(node)
            mark = node.start_mark
            documents.append(Document(body, (mark.line + 1, mark.column + 1, children)))
    except yaml.YAMLError as exc:
        builder.findings.append(_syntax_finding(path, exc))
    except (_TooLarge, RecursionError):
        message = "aliases expand this document beyond any real manifest (a YAML bomb?)"
        builder.findings.append(Finding(Severity.ERROR, "yaml-syntax", message, SourcePos(path, 1)))
    finally:
        composer.dispose()
    return ParsedFile(tuple(documents), tuple(builder.findings))
