"""Helpers for tests of counter intake: the declared data as a clerk keys it in, and the fields a
declared model accepts (read from its JSON schema, independently of the form generator)."""

from __future__ import annotations

from typing import Any


def schema_leaf_paths(model: Any) -> set[str]:
    """Every leaf field of the model, read from its JSON schema (independently of the form walker)."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})

    def ref_of(prop: dict[str, Any]) -> str | None:
        if "$ref" in prop:
            return str(prop["$ref"])
        return next((str(p["$ref"]) for p in prop.get("anyOf", []) if "$ref" in p), None)

    def walk(node: dict[str, Any], prefix: str) -> set[str]:
        out: set[str] = set()
        for name, prop in node.get("properties", {}).items():
            ref = ref_of(prop)
            if ref:
                out |= walk(defs[ref.rsplit("/", 1)[1]], f"{prefix}{name}.")
            else:
                out.add(prefix + name)
        return out

    return walk(schema, "")


def flatten(data: dict[str, Any], prefix: str = "application.") -> dict[str, str]:
    """What a clerk keys in: one text per field, a list one entry per line."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= flatten(value, f"{prefix}{key}.")
        elif isinstance(value, list):  # one entry per line; an object's items separated by ／
            out[prefix + key] = "\n".join("／".join(map(str, v.values())) if isinstance(v, dict) else v for v in value)
        else:
            out[prefix + key] = str(value)
    return out
