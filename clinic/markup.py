"""The policy pages' small markup, rendered safely: every character typed in the admin is escaped;
only the structure (paragraphs, '## ' headings, '- ' lists, line breaks) becomes HTML."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BLOCKS = re.compile(r"\n\s*\n")


def _runs(lines: list[str]) -> list[tuple[str, list[str]]]:
    """The lines of one block as runs of one kind: ("h2", [line]), ("ul", items), ("p", lines)."""
    runs: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("## "):
            runs.append(("h2", [line[3:].strip()]))
            continue
        kind, text = ("ul", line[2:].strip()) if line.startswith("- ") else ("p", line)
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(text)
        else:
            runs.append((kind, [text]))
    return runs


def render_plain(text: str) -> SafeString:
    """`text` as HTML: a run of '- ' lines is a list, a '## ' line a heading (h2), other lines a
    paragraph whose line breaks are kept; a blank line ends a paragraph or list."""
    html: list[str] = []
    for block in _BLOCKS.split(text.replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        for kind, parts in _runs(lines):
            if kind == "h2":
                html.append(f"<h2>{escape(parts[0])}</h2>")
            elif kind == "ul":
                html.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in parts) + "</ul>")
            else:
                html.append("<p>" + "<br>".join(escape(line) for line in parts) + "</p>")
    return mark_safe("\n".join(html))  # noqa: S308 - every piece of text above is escaped
