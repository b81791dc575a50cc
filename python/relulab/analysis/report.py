"""docs/reproduction.md's tables, regenerated from the CSVs under docs/reproduction/data/.

Each table in the document sits between two markers:

    <!-- table NAME -->
    | ... the table, as `report` writes it ... |
    <!-- end table -->

and NAME is a function of this module's TABLES, which reads the CSVs and returns the Markdown. `report`
rewrites every marked table; `report --check` changes nothing and fails if a table differs from what
its CSV gives (a test runs it, so numbers in the document cannot drift from the data). A marker whose
name is unknown, or a table name never used, is an error.
"""
from __future__ import annotations

import pathlib
import re

MARKER = re.compile(r"(<!-- table (?P<name>[\w.-]+) -->\n)(?P<body>.*?)(<!-- end table -->)", re.S)


class ReportError(Exception):
    pass


def render(text: str, tables: dict, data: pathlib.Path) -> tuple[str, list[str]]:
    """The document with every marked table regenerated, and the names whose table changed."""
    changed, seen = [], set()

    def replace(match):
        name = match["name"]
        if name not in tables:
            raise ReportError(f"no table named {name!r} (known: {', '.join(sorted(tables))})")
        seen.add(name)
        body = tables[name](data)
        if body != match["body"]:
            changed.append(name)
        return match.group(1) + body + match.group(4)

    out = MARKER.sub(replace, text)
    unused = sorted(set(tables) - seen)
    if unused:
        raise ReportError(f"tables with no marker in the document: {', '.join(unused)}")
    return out, changed


def report(doc, data, tables: dict, check=False) -> list[str]:
    """Regenerates (or, with check, compares) the document's marked tables; returns the changed names."""
    doc, data = pathlib.Path(doc), pathlib.Path(data)
    text = doc.read_text()
    out, changed = render(text, tables, data)
    if not check and out != text:
        doc.write_text(out)
    return changed
