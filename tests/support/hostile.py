"""Hostile input for the route walker (tests/integration/test_hostile_routes.py): the values an
outside attacker sends, and the requests built from the app's own routes.

Nothing here knows a route by name: path, query, JSON-body and form fields are read from each
route's declaration (and, for routes that read their form themselves, from their source), so a
route added later is walked too.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Inserted into a URL as they are: the server decodes %-escapes (NUL, U+202E, a lone surrogate).
PATH_VALUES = ("%00", "a%00b", "１２３", "9" * 400, "-" + "9" * 40, "..%2F..%2F..", "%E2%80%AE1", "%ED%A0%80",
               "%EF%BB%BF", "x" * 5000, "-1", "0", "%20", "1e999", "NaN")
# Text as a field's value (query, form, JSON string).
HOSTILE_TEXT = ("\x00", "山田\x00太郎", "\u202e郎太田山", "山\u200b田", "\x1b[31m", "１２３", "9" * 400,
                "../../etc/passwd", "x" * 20000, "\ud800", "\ue000", "=HYPERLINK(\"x\")", " ", "-1", "0",
                "-" + "9" * 40, "1e999")
# Any JSON value where a field is expected.
HOSTILE_JSON: tuple[Any, ...] = (*HOSTILE_TEXT, 10**40, -(10**40), 2**63, 1.5e308, True, False, None, -1, 0,
                                 {"a": {"b": "c"}}, ["x", 1], [], {})
# Values put under each name of a free-form object (one per class: the names multiply them).
FREE_FORM_VALUES: tuple[Any, ...] = ("山田\x00太郎", "\u202e郎太田山", "\ud800", "9" * 400, 10**40, True, {"a": "\x00"},
                                     ["\x00"], None)
# Query names read by routes from request.query_params directly (not declared).
EXTRA_QUERY = ("kind", "channel", "flags", "min_age_days", "status", "claimed", "sort", "page", "number", "next",
               "done", "w", "limit", "unread_only")

_FORM_NAME = re.compile(r"""form\.get(?:list)?\(\s*["']([^"']+)["']""")


@dataclass
class Call:
    """One request of the walk."""

    label: str
    method: str
    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def json_dumps(value: Any) -> bytes:
    """JSON as an attacker writes it: lone surrogates escaped, huge integers verbatim."""
    return json.dumps(value, ensure_ascii=True).encode()


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolve(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    for alt in schema.get("anyOf", []):
        if alt.get("type") != "null":
            return _resolve(alt, defs)
    return schema


def sample_of(schema: dict[str, Any], defs: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """A plausible value of a JSON schema (the base that one hostile field is put into)."""
    s = _resolve(schema, defs)
    if "enum" in s:
        return s["enum"][0]
    if "const" in s:
        return s["const"]
    kind = s.get("type")
    if kind == "object":
        props = s.get("properties")
        if props:
            return {k: sample_of(v, defs, keys) for k, v in props.items()}
        return {keys[0]: "テスト"} if keys else {}
    if kind == "array":
        return [sample_of(s.get("items", {}), defs, keys)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    return "テスト"


def json_mutations(schema: dict[str, Any], keys: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """(label, body): the whole body hostile, then each field (nested ones too) hostile in turn.

    ``keys`` are names tried inside free-form objects (``dict[str, Any]`` fields)."""
    defs = schema.get("$defs", {})
    base = sample_of(schema, defs, keys)
    yield "valid", base
    for value in HOSTILE_JSON:
        yield f"body={value!r:.40}", value

    def walk(node: dict[str, Any], path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
        s = _resolve(node, defs)
        if s.get("type") == "object" and s.get("properties"):
            for name, prop in s["properties"].items():
                yield from walk(prop, (*path, name))
        elif s.get("type") == "object":
            for key in (*keys, "\x00", "\u202e", "\ud800"):
                for value in FREE_FORM_VALUES:
                    yield (*path, key), value
        elif s.get("type") == "array":
            yield from walk(s.get("items", {}), (*path, 0))
        for value in HOSTILE_JSON:
            yield path, value

    for path, value in walk(schema, ()):
        if not path:
            continue
        body = json.loads(json.dumps(base))
        node = body
        for part in path[:-1]:
            node = node[part] if not isinstance(node, dict) else node.setdefault(part, {})  # type: ignore[index]
        if isinstance(node, dict) or (isinstance(node, list) and isinstance(path[-1], int)):
            node[path[-1]] = value  # type: ignore[index]
        yield f"{'.'.join(map(str, path))}={value!r:.40}", body


def form_names(route: Any) -> list[str]:
    """The form fields a route reads: declared Form() parameters and the names its source reads."""
    names = [p.alias for p in route.dependant.body_params]
    try:
        names += _FORM_NAME.findall(inspect.getsource(route.endpoint))
    except (OSError, TypeError):
        pass
    return sorted(set(names) - {"csrf_token"})


def leaf_paths(data: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from leaf_paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from leaf_paths(v, (*prefix, i))
    else:
        yield prefix


def with_value(data: Any, path: tuple[str | int, ...], value: Any) -> Any:
    out = json.loads(json.dumps(data))
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out
