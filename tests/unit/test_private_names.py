"""A module's private names (``_name``) are its own (issue 13): no code in src/ccus imports another
module's private name, or reaches one through the module (``pipeline._docs_by_role(...)``).

What another module needs is public, named for what it is, and part of its module's interface.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[2] / "src"
PACKAGE = SRC / "ccus"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_module(dotted: str) -> bool:
    path = SRC.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def violations(source: str, *, own_module: str = "") -> list[str]:
    """The private names of other ccus modules that ``source`` imports or reaches."""
    tree = ast.parse(source)
    modules: set[str] = set()  # local names bound to ccus modules
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ccus"):
            if node.module == own_module:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"from {node.module} import {alias.name}")
                elif _is_module(f"{node.module}.{alias.name}"):
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("ccus"):
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in modules:
                found.append(f"{ast.unparse(node)}")
    return found


def test_no_module_uses_another_modules_private_names() -> None:
    offenders: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(SRC).with_suffix("").parts)
        for v in violations(path.read_text(encoding="utf-8"), own_module=module):
            offenders.append(f"{path.relative_to(SRC)}: {v}")
    assert not offenders, "private names used across modules:\n" + "\n".join(offenders)


def test_the_scan_finds_what_it_forbids() -> None:
    assert violations("from ccus.models.tables import Base, _now\n") == ["from ccus.models.tables import _now"]
    assert violations("from ccus.services.reading import pipeline\npipeline._docs_by_role(s, 1)\n") == [
        "pipeline._docs_by_role"]
    assert violations("import ccus.models.notices\nccus.models.notices._yen(3)\n") == ["ccus.models.notices._yen"]
    # its own private names, dunders, and private attributes of objects are not the scan's business
    assert violations("from ccus.models.tables import _now\n", own_module="ccus.models.tables") == []
    assert violations("from ccus.models import tables\ntables.__name__\nx = object()\nx._y\n") == []
