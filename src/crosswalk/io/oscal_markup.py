"""OSCAL markup both ways: XML mixed content and the Markdown that OSCAL JSON carries.

OSCAL's prose (``markup-multiline``: part prose, remarks, descriptions) and its short
texts (``markup-line``: titles, labels, choices) are HTML-like elements in XML and a
Markdown subset in JSON. ``oscal_xml`` reads XML into the JSON form with ``line`` and
``blocks``; ``oscal_xml_writer`` writes it back with ``add_line`` and ``add_blocks``.
Covered: paragraphs, headings, lists, preformatted text, quotes, simple tables, and the
inline ``insert`` (``{{ insert: param, ID }}``), links, emphasis, code, quotes, sub- and
superscripts and images. Whitespace inside a paragraph is collapsed, as XML reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.etree.ElementTree import Element, SubElement

NS = "http://csrc.nist.gov/ns/oscal/1.0"
BLOCKS = frozenset(
    {"p", "ul", "ol", "table", "pre", "blockquote", "hr"} | {f"h{n}" for n in range(1, 7)}
)

_SPACE = re.compile(r"\s+")
_INLINE = re.compile(
    r"\{\{\s*insert:\s*(?P<type>[\w-]+),\s*(?P<ref>[^\s}]+)\s*\}\}"
    r"|!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]*)\)"
    r"|\[(?P<text>[^\]]*)\]\((?P<href>[^)\s]*)\)"
    r"|\*\*(?P<strong>.+?)\*\*"
    r"|\*(?P<em>[^*]+?)\*"
    r"|`(?P<code>[^`]+)`"
)
_ORDERED = re.compile(r"^\d+[.)]\s+")
_BULLET = re.compile(r"^[-*+]\s+")
_HEADING = re.compile(r"^(#{1,6})\s+")


def local(element: Element) -> str:
    """The element's name without its namespace."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# ---------------------------------------------------------------------------- XML -> Markdown


def _inline_parts(element: Element) -> Iterable[str]:
    if element.text:
        yield element.text
    for child in element:
        yield _inline_child(child)
        if child.tail:
            yield child.tail


def _inner(element: Element) -> str:
    return "".join(_inline_parts(element))


def _inline_child(child: Element) -> str:
    name = local(child)
    if name == "insert":
        return f"{{{{ insert: {child.get('type', 'param')}, {child.get('id-ref', '')} }}}}"
    inner = _inner(child)
    if name == "a":
        return f"[{inner}]({child.get('href', '')})"
    if name in ("em", "i"):
        return f"*{inner}*"
    if name in ("strong", "b"):
        return f"**{inner}**"
    if name == "code":
        return f"`{inner}`"
    if name == "q":
        return f'"{inner}"'
    if name == "sub":
        return f"~{inner}~"
    if name == "sup":
        return f"^{inner}^"
    if name == "img":
        return f"![{child.get('alt', '')}]({child.get('src', '')})"
    if name == "br":
        return "\n"
    return inner


def line(element: Element) -> str:
    """A ``markup-line`` element (title, label) as one line of Markdown."""
    return _SPACE.sub(" ", _inner(element)).strip()


def choice_line(element: Element) -> str:
    """A ``choice`` as one line, its space at either end kept as one space: NIST's JSON
    keeps it (``lock the account for {{ insert: ... }} ``), and so the text it renders."""
    return _SPACE.sub(" ", _inner(element))


def _list(element: Element, depth: int) -> list[str]:
    ordered = local(element) == "ol"
    lines: list[str] = []
    for number, item in enumerate((c for c in element if local(c) == "li"), start=1):
        marker = f"{number}. " if ordered else "- "
        nested = [c for c in item if local(c) in ("ul", "ol")]
        text_parts: list[str] = [item.text or ""]
        for child in item:
            if child in nested:
                text_parts.append(child.tail or "")
                continue
            text_parts.append(_inline_child(child))
            text_parts.append(child.tail or "")
        text = _SPACE.sub(" ", "".join(text_parts)).strip()
        lines.append("  " * depth + marker + text)
        for sub in nested:
            lines.extend(_list(sub, depth + 1))
    return lines


def _block(element: Element) -> str:
    name = local(element)
    if name == "p":
        return line(element)
    if name in ("ul", "ol"):
        return "\n".join(_list(element, 0))
    if name == "pre":
        return "```\n" + "".join(element.itertext()).strip("\n") + "\n```"
    if name == "blockquote":
        inner = blocks(list(element)) or line(element)
        return "\n".join(f"> {row}" if row else ">" for row in inner.split("\n"))
    if name == "hr":
        return "---"
    if name == "table":
        rows = [r for r in element.iter() if local(r) == "tr"]
        rendered = []
        for index, row in enumerate(rows):
            cells = [line(c) for c in row if local(c) in ("td", "th")]
            rendered.append("| " + " | ".join(cells) + " |")
            if index == 0:
                rendered.append("|" + "|".join(" --- " for _ in cells) + "|")
        return "\n".join(rendered)
    heading = re.fullmatch(r"h([1-6])", name)
    if heading:
        return "#" * int(heading.group(1)) + " " + line(element)
    return line(element)


def blocks(elements: Iterable[Element]) -> str:
    """Block elements (``p``, lists, ...) as Markdown paragraphs separated by a blank line."""
    rendered = [_block(e) for e in elements if local(e) in BLOCKS]
    return "\n\n".join(r for r in rendered if r)


def multiline(element: Element) -> str:
    """A ``markup-multiline`` element: its blocks, or its text when it holds no block."""
    found = blocks(element)
    return found if found else line(element)


# ---------------------------------------------------------------------------- Markdown -> XML


def _q(name: str) -> str:
    """Elements are written without a namespace; the writer declares OSCAL's as the default
    on the root (``xmlns``), so the text is an ordinary OSCAL XML document."""
    return name


def _append_text(parent: Element, text: str) -> None:
    if not text:
        return
    children = list(parent)
    if children:
        children[-1].tail = (children[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def add_line(parent: Element, text: str) -> None:
    """Markdown inline text into ``parent`` as OSCAL inline markup (insert, a, em, ...)."""
    position = 0
    for match in _INLINE.finditer(text):
        _append_text(parent, text[position : match.start()])
        position = match.end()
        if match.group("ref") is not None:
            SubElement(
                parent, _q("insert"), {"type": match.group("type"), "id-ref": match.group("ref")}
            )
        elif match.group("src") is not None:
            SubElement(parent, _q("img"), {"alt": match.group("alt"), "src": match.group("src")})
        elif match.group("href") is not None:
            add_line(SubElement(parent, _q("a"), {"href": match.group("href")}), match["text"])
        elif match.group("strong") is not None:
            add_line(SubElement(parent, _q("strong")), match.group("strong"))
        elif match.group("em") is not None:
            add_line(SubElement(parent, _q("em")), match.group("em"))
        else:
            SubElement(parent, _q("code")).text = match.group("code")
    _append_text(parent, text[position:])


def _paragraphs(text: str) -> list[list[str]]:
    found: list[list[str]] = []
    current: list[str] = []
    fenced = False
    for row in text.replace("\r\n", "\n").split("\n"):
        if row.strip().startswith("```"):
            fenced = not fenced
        if not fenced and not row.strip() and not row.strip().startswith("```"):
            if current:
                found.append(current)
                current = []
            continue
        current.append(row)
    if current:
        found.append(current)
    return found


def _add_list(parent: Element, rows: list[str]) -> None:
    ordered = bool(_ORDERED.match(rows[0].lstrip()))
    container = SubElement(parent, _q("ol" if ordered else "ul"))
    stack: list[tuple[int, Element]] = [(len(rows[0]) - len(rows[0].lstrip()), container)]
    last: Element | None = None
    for row in rows:
        indent = len(row) - len(row.lstrip())
        stripped = row.lstrip()
        marker = _ORDERED.match(stripped) or _BULLET.match(stripped)
        if marker is None:  # a continuation of the previous item
            if last is not None:
                _append_text(last, " " + stripped)
            continue
        while len(stack) > 1 and indent < stack[-1][0]:
            stack.pop()
        if indent > stack[-1][0] and last is not None:
            nested_ordered = bool(_ORDERED.match(stripped))
            stack.append((indent, SubElement(last, _q("ol" if nested_ordered else "ul"))))
        last = SubElement(stack[-1][1], _q("li"))
        add_line(last, stripped[marker.end() :])


def add_blocks(parent: Element, text: str) -> None:
    """Markdown prose into ``parent`` as OSCAL block elements (p, ul, ol, h1-6, pre, ...)."""
    for rows in _paragraphs(text):
        first = rows[0].lstrip()
        if first.startswith("```"):
            body = [r for r in rows[1:] if not r.strip().startswith("```")]
            SubElement(parent, _q("pre")).text = "\n".join(body)
        elif _BULLET.match(first) or _ORDERED.match(first):
            _add_list(parent, rows)
        elif _HEADING.match(first) and len(rows) == 1:
            level = len(_HEADING.match(first).group(1))  # type: ignore[union-attr]
            add_line(SubElement(parent, _q(f"h{level}")), first[level:].strip())
        elif first.startswith(">"):
            quote = SubElement(parent, _q("blockquote"))
            add_blocks(quote, "\n".join(r.lstrip()[1:].lstrip() for r in rows))
        else:
            add_line(SubElement(parent, _q("p")), " ".join(r.strip() for r in rows))
