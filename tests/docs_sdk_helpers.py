#!/usr/bin/python3
"""docs/plugins.md's table of SDK helpers names only what the SDK has: each helper's names are found
in the header the table gives for it (so a renamed helper breaks this test, not a reader's build).
Also: the README links the scope page, which exists.
    tests/docs_sdk_helpers.py <source dir>"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
sdk = root / "framework" / "include" / "relulab"
text = (root / "docs" / "plugins.md").read_text()
table = text.split("## The SDK's helpers, one line each", 1)[1].split("\n## ", 1)[0]
rows = [line for line in table.splitlines() if line.startswith("| `")]
assert len(rows) >= 15, f"the helper table has {len(rows)} rows"
problems = []
for row in rows:
    helper, header = [cell.strip() for cell in row.strip("|").split("|")[:2]]
    headers = re.findall(r"`([\w/*.]+\.hpp)`", header)
    files = [f for h in headers for f in sorted(sdk.glob(h))]
    if not files:
        problems.append(f"{helper}: no header {header}")
        continue
    source = "".join(f.read_text() for f in files)
    # Each identifier the helper cell names (Class::member, name(...), ...) must appear in its header.
    code = " ".join(re.findall(r"`([^`]*)`", helper))
    for name in re.findall(r"[A-Za-z_]\w*", re.sub(r"\(.*?\)", "", code)):
        if name in {"descriptor", "snapshot", "state", "vector", "key", "math"}:
            continue  # placeholders and namespaces of the table's own wording
        if not re.search(r"\b" + name + r"\b", source):
            problems.append(f"{helper}: '{name}' is not in {header}")
for name in ("save_buffer", "load_buffer"):
    assert name in table, f"the helper table does not document {name}"
readme = (root / "README.md").read_text()
if "docs/scope.md" not in readme or not (root / "docs" / "scope.md").exists():
    problems.append("README.md does not link docs/scope.md, or it is missing")
if problems:
    sys.exit("\n".join(problems))
print(f"{len(rows)} SDK helpers documented, each found in its header")
