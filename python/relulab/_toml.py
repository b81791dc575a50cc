"""TOML text for experiment dicts and --set values, written by tomli-w (Debian's python3-tomli-w).

tomli-w escapes strings and keys and spells floats (inf, nan, -0.0) correctly, but it has no public
call for one inline value: `--set key=VALUE` needs `{ range = [0, 3] }` where `dumps` would write a
`[key]` table. `value` composes inline tables and arrays itself and asks tomli-w for every leaf and
every key, so all escaping stays tomli-w's.
"""
from __future__ import annotations

import tomli_w


def _plain(v):
    """numpy arrays and scalars as Python lists and numbers; tuples as lists."""
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, tuple):
        v = list(v)
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def key(k: str) -> str:
    """One key part, bare or quoted as TOML needs it."""
    return tomli_w.dumps({k: True})[: -len(" = true\n")]


def value(v) -> str:
    """One TOML value on one line: inline tables and arrays at any depth."""
    v = _plain(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + " }" if v else "{}"
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    return tomli_w.dumps({"v": v})[len("v = "):-1]


def dumps(doc: dict) -> str:
    """A whole experiment file."""
    return tomli_w.dumps(_plain(doc))
