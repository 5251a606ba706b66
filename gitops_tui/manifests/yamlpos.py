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
#: Deepest nesting of collections accepted; real manifests, CRD schemas included, stay far below.
_MAX_DEPTH = 500
#: Fewer openers than this cannot nest deep enough to exhaust libyaml's C stack.
_SAFE_OPENERS = 10_000
#: Bytes searched for a NUL to tell a binary file, as Git does.
_BINARY_SNIFF_BYTES = 8000


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


#: Contexts whose start, not the place the parser gave up, is what the user has to fix: an
#: unclosed quote or bracket is only noticed lines later, a key without ':' on the next line.
_OPENERS = ("while scanning a quoted scalar", "while parsing a flow", "while scanning a simple key")


def _mark_at(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _indent(text: str, line: int) -> int:
    lines = text.splitlines()
    content = lines[line - 1] if 1 <= line <= len(lines) else ""
    return len(content) - len(content.lstrip())


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    if 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]):
        return lines[line - 1][column - 1]
    return ""


def _misplaced_colon(text: str, line: int, column: int) -> tuple[int, int, str]:
    """Where to fix a ':' the parser did not expect on ``line``, and how.

    The plain scalar before that colon tells: begun on an earlier line at its start, it is a key
    whose ':' is missing (``name x`` then ``labels:`` reads as one key ``name x labels``); begun
    after an earlier line's key, this line is indented too deep and continues that value; begun
    on this line, a value holds ': ' and needs quotes.
    """
    last: tuple[int, int] | None = None
    try:
        for token in yaml.scan(text, Loader=_Base):
            if isinstance(token, yaml.ScalarToken) and token.plain:
                last = (token.start_mark.line + 1, token.start_mark.column + 1)
    except yaml.YAMLError:
        pass
    if last is None or last[0] >= line:
        return line, column, "unexpected ':' here: quote a value that contains ': '"
    start_line = text.splitlines()[last[0] - 1]
    if last[1] == len(start_line) - len(start_line.lstrip(" -")) + 1:
        return (*last, f"this key has no ':' after it; the parser noticed on line {line}")
    message = (
        f"this line is indented deeper than the key on line {last[0]}, so it continues that "
        "value: align it with the keys it belongs with"
    )
    return line, _indent(text, line) + 1, message


def _character(value: object) -> str:
    code = value if isinstance(value, int) else ord(str(value)[:1] or "\0")
    return f"U+{code:04X}"


def _opener_message(context: str, problem: str, text: str, line: int, column: int) -> str:
    if context.startswith("while scanning a quoted scalar"):
        return f"this quoted string is never closed ({problem})"
    if context.startswith("while parsing a flow"):
        return f"this {_char_at(text, line, column) or 'bracket'!r} is never closed ({problem})"
    return "this key has no ':' after it"


def _syntax_finding(path: str, text: str, exc: yaml.YAMLError) -> Finding:
    if isinstance(exc, yaml.reader.ReaderError):
        line, column = _mark_at(text, exc.position)
        message = f"{exc.reason} ({_character(exc.character)}): is this a binary file?"
        return Finding(Severity.ERROR, "yaml-syntax", message, SourcePos(path, line, column))
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return Finding(Severity.ERROR, "yaml-syntax", str(exc).splitlines()[0], SourcePos(path, 1))
    mark, problem = exc.problem_mark, exc.problem or "invalid YAML"
    line, column = mark.line + 1, mark.column + 1
    context = exc.context or ""
    opened = exc.context_mark
    message = f"{problem} ({context})" if context else problem
    here = _char_at(text, line, column)
    flow = context.startswith("while parsing a flow")
    unclosed = here == ""  # the end of the file reached inside the collection
    if flow and here == ":" and opened is not None:
        # A block key at or left of the bracket's line: the bracket was never closed. Further
        # right, the key is inside the collection and a ',' is missing before it.
        unclosed = _indent(text, line) <= _indent(text, opened.line + 1)
        if not unclosed:
            column = _indent(text, line) + 1
    if flow and not unclosed and problem.startswith("did not find expected ','"):
        message = f"{problem}: a ',' is missing before this entry"
    reopen = context.startswith(_OPENERS) and (not flow or unclosed)
    if problem == "did not find expected key":
        message += ": check the indentation of this line"
    if here == "\t":
        message = "a tab character: YAML indents with spaces only"
    elif opened is not None and reopen and opened.line + 1 < line:
        noticed = line
        line, column = opened.line + 1, opened.column + 1
        message = _opener_message(context, problem, text, line, column)
        message += f"; the parser noticed on line {noticed}"
    elif opened is not None and context.endswith("first occurrence"):
        message = f"{problem} of an anchor first defined on line {opened.line + 1}"
    elif problem.startswith("mapping values are not allowed"):
        line, column, message = _misplaced_colon(text, line, column)
    return Finding(Severity.ERROR, "yaml-syntax", message, SourcePos(path, line, column))


def _too_deep(path: str, text: str) -> Finding | None:
    """A finding if collections nest deeper than :data:`_MAX_DEPTH`, before libyaml composes.

    libyaml's composer recurses in C: some tens of thousands of ``[`` crash the interpreter
    instead of raising. Nesting that deep needs at least as many openers, so only such files
    pay for this event scan, which does not recurse.
    """
    openers = text.count("[") + text.count("{") + text.count("- ") + text.count("? ")
    if openers < _SAFE_OPENERS:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > _MAX_DEPTH:
                    mark = event.start_mark
                    message = f"collections nest more than {_MAX_DEPTH} levels deep here"
                    where = SourcePos(path, mark.line + 1, mark.column + 1) if mark else None
                    return Finding(Severity.ERROR, "yaml-syntax", message, where)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # composing reports it, with our wording
    return None


def parse(path: str, content: bytes, *, check_depth: bool = True) -> ParsedFile:
    """Every document of a YAML (or JSON) file, stopping at the first syntax error.

    ``check_depth=False`` skips the guard against absurd nesting, for text a YAML parser with
    a depth limit produced.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if b"\0" in content[:_BINARY_SNIFF_BYTES]:
            # Git's own test for a binary file; a line number inside one means nothing.
            message = "this is a binary file, not YAML or JSON: remove it or rename it"
            where = SourcePos(path, 1)
        else:
            line = content[: exc.start].count(b"\n") + 1
            column = exc.start - (content.rfind(b"\n", 0, exc.start) + 1) + 1
            message = "the file is not valid UTF-8 text: save it as UTF-8"
            where = SourcePos(path, line, column)
        return ParsedFile((), (Finding(Severity.ERROR, "yaml-syntax", message, where),))
    too_deep = _too_deep(path, text) if check_depth else None
    if too_deep is not None:
        return ParsedFile((), (too_deep,))
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
        builder.findings.append(_syntax_finding(path, text, exc))
    except _TooLarge:
        message = "aliases expand this document beyond any real manifest (a YAML bomb?)"
        builder.findings.append(Finding(Severity.ERROR, "yaml-syntax", message, SourcePos(path, 1)))
    except RecursionError:
        message = "collections nest deeper than any real manifest (a recursive alias?)"
        builder.findings.append(Finding(Severity.ERROR, "yaml-syntax", message, SourcePos(path, 1)))
    finally:
        composer.dispose()
    return ParsedFile(tuple(documents), tuple(builder.findings))
