"""The YAML of our own reviewable files (program control files, ISMS records, policy front
matter), read so that any text gives data or a ``YamlTextError`` naming the line.

PyYAML's safe loader still lets some input through as a crash or a hang: an impossible
date (``2026-02-30``) or an ``!!int`` that is not a number raises ``ValueError``; deep
nesting raises ``RecursionError``; and a few lines of anchors and aliases (``*a``) make a
value of a billion items, which validation or ``str()`` then walk for minutes. Here the
first two are errors with their line, and aliases may add at most ``MAX_ALIAS_NODES``
values to what is written. A NUL character, which no text column can store, is refused.
Nesting is measured on the raw text before the parser sees it (``domain.limits``, the
same scanner and limit as every other importer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.limits import MAX_DEPTH, too_deep, yaml_too_deep

MAX_ALIAS_NODES = 10_000  # values aliases may add beyond those written


class YamlTextError(CrosswalkError):
    """Text that is not YAML we read; ``line`` is 1-based within the text given."""

    def __init__(self, line: int | None, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"line {line}: {problem}" if line is not None else problem)

    def named(self, path: Path, what: str = "not valid YAML", offset: int = 0) -> str:
        """The message for ``path``; ``offset`` is the lines above the text in the file."""
        where = f" at line {self.line + offset}" if self.line is not None else ""
        return f"{path}{where}: {what}: {self.problem}"


class _Loader(yaml.SafeLoader):
    """The safe loader, with a value that cannot be built (``2026-02-30`` as a date, ``!!int
    x``, ``!!timestamp x``, ``!!bool maybe``) reported at its line like any other YAML error
    (PyYAML's constructors raise ValueError, KeyError or AttributeError for these)."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as error:
            what = f"{_shown(node)}: " if isinstance(node, ScalarNode) else ""
            problem = str(error)[:200]
            raise ConstructorError(None, None, f"{what}{problem}", node.start_mark) from None
        except (KeyError, AttributeError):
            kind = str(node.tag).rpartition(":")[2]
            what = _shown(node) if isinstance(node, ScalarNode) else "the value"
            raise ConstructorError(None, None, f"{what} is not a {kind}", node.start_mark) from None


def _shown(node: ScalarNode) -> str:
    """The scalar as written, cut short when long."""
    text = str(node.value)
    return repr(text) if len(text) <= 60 else f"{text[:60]!r}..."


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_aliases(root: Node) -> None:
    """Refuse a document whose aliases expand it by more than ``MAX_ALIAS_NODES`` values, or
    that contains itself; linear in the nodes written."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the path from the root to the node being expanded
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise YamlTextError(
                    child.start_mark.line + 1, "an alias refers to a value that contains it"
                )
            if id(child) not in sizes:
                stack.append((child, False))
    added = sizes[id(root)] - len(sizes)
    if added > MAX_ALIAS_NODES:
        raise YamlTextError(
            None,
            f"anchors and aliases (*name) repeat values {added:,} times, more than the"
            f" {MAX_ALIAS_NODES:,} read; write the values out",
        )


def _check_text(data: Any) -> None:
    """Refuse a NUL in any key or value (no text column stores one)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise YamlTextError(None, "a NUL character (\\0) in a value; this is not text")
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list | tuple | set):
            stack.extend(value)


def load_yaml(text: str) -> Any:
    """The data of one YAML document (None when empty); refused with the line and problem."""
    deep = yaml_too_deep(text.encode("utf-8", "surrogatepass"), MAX_DEPTH)
    if deep is not None:
        raise YamlTextError(deep or None, too_deep(MAX_DEPTH))
    try:
        loader = _Loader(text)
    except ReaderError as error:  # a character YAML does not allow, e.g. a NUL
        line = text.count("\n", 0, error.position) + 1
        found = error.character
        character = chr(found) if isinstance(found, int) else str(found)
        raise YamlTextError(line, f"character {character!r} is not allowed in YAML") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_aliases(node)
        data = loader.construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise YamlTextError(mark.line + 1 if mark else None, problem) from None
    except RecursionError:
        raise YamlTextError(None, "nested too deeply to read") from None
    finally:
        loader.dispose()
    _check_text(data)
    return data
