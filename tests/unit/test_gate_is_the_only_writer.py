"""No code but the gate writes a stage-log row or a status (issue 13, "one gate").

An AST scan of src/ccus: outside the gate modules, nothing constructs ``StageLog(``, assigns
``.status`` on a row, passes ``status=`` to a table's constructor or to ``.values(...)`` (INSERT,
UPDATE), puts a ``"status"`` key in an upsert's ``set_`` or an UPDATE's values, calls
``setattr(row, "status", …)``, or writes ``UPDATE … SET status`` in SQL text. A new row's status
may be given as ``initial_status(Table, …)`` and a statement's as ``target_status(Table, …)``:
those are the gate's own checks.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "ccus"
GATES = {"services/cases.py", "services/gate.py"}
# Schema history: migrations may move data as it was when they were written.
SKIPPED = ("infra/migrations/",)
TABLES = {
    "Application", "Business", "AdminId", "Card", "CardRenewal", "CardReissue", "PrintJob", "PrintBatch", "Charge",
    "Invoice", "Outbox", "SiteContract", "MailBatch", "MailSegment",
}
GATE_CALLS = {"initial_status", "target_status"}
SQL_STATUS_WRITE = re.compile(r"\bupdate\s+\w+\s+set\b[^;]*\bstatus\s*=", re.IGNORECASE | re.DOTALL)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _through_gate(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and _name(value.func) in GATE_CALLS


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        found: list[ast.expr] = []
        for t in node.targets:
            found.extend(t.elts if isinstance(t, ast.Tuple | ast.List) else [t])
        return found
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def _status_dict(node: ast.expr) -> ast.expr | None:
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "status":
                return value
    return None


def violations(source: str, where: str = "<snippet>") -> list[str]:
    """Every status or stage-log write in ``source`` that does not go through the gate."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        line = f"{where}:{getattr(node, 'lineno', 0)}"
        for t in _targets(node):
            if isinstance(t, ast.Attribute) and t.attr == "status" and not (
                    isinstance(t.value, ast.Name) and t.value.id == "self"):
                found.append(f"{line}: assigns .status")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_STATUS_WRITE.search(node.value):
            found.append(f"{line}: SQL text sets status")
        if not isinstance(node, ast.Call):
            continue
        called = _name(node.func)
        if called == "StageLog":
            found.append(f"{line}: constructs StageLog")
        if called == "setattr" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) \
                and node.args[1].value == "status":
            found.append(f"{line}: setattr status")
        if called in TABLES or called == "values":
            for kw in node.keywords:
                if kw.arg == "status" and not _through_gate(kw.value):
                    found.append(f"{line}: status= in {called}(...)")
        if called in ("values", "update"):
            for arg in node.args:
                value = _status_dict(arg)
                if value is not None and not _through_gate(value):
                    found.append(f"{line}: {{'status': …}} in {called}(...)")
        for kw in node.keywords:
            if kw.arg == "set_":
                value = _status_dict(kw.value)
                if value is not None and not _through_gate(value):
                    found.append(f"{line}: 'status' in set_")
    return found


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel not in GATES and not rel.startswith(SKIPPED):
            out.append((rel, path))
    return out


def test_the_scan_sees_the_whole_source_tree() -> None:
    rels = {rel for rel, _ in _modules()}
    assert len(rels) > 100
    assert {"services/intake/submission.py", "services/intake/postal.py",
            "services/registry/business_changes.py", "services/issuance/printing.py"} <= rels


def test_no_module_but_the_gate_writes_a_status_or_the_stage_log() -> None:
    found = [v for rel, path in _modules() for v in violations(path.read_text(encoding="utf-8"), rel)]
    assert found == []


def test_the_gate_modules_are_the_writers() -> None:
    # The scan run over the gates themselves finds their writes: it is not blind to them.
    cases = (SRC / "services" / "cases.py").read_text(encoding="utf-8")
    assert any("StageLog" in v for v in violations(cases))
    assert any(".status" in v for v in violations(cases))
    assert any(".status" in v for v in violations((SRC / "services" / "gate.py").read_text(encoding="utf-8")))


@pytest.mark.parametrize("snippet", [
    "session.add(StageLog(application_id=1, from_status=None, to_status='received', actor='x'))",
    "log = models.StageLog(application_id=1)",
    "app.status = 'approved'",
    "row.status, row.finished_at = 'done', now()",
    "[job.status] = ['final']",
    "card.status += ''",
    "setattr(biz, 'status', 'withdrawn')",
    "session.execute(update(Card).where(Card.id == 1).values(status='expired'))",
    "session.execute(update(Card).values({'status': 'expired'}))",
    "session.execute(insert(Charge).values(amount=1, status='open'))",
    "session.add(Charge(amount=1, status='paid'))",
    "app = Application(kind='worker_registration', status='documents_stored')",
    "stmt.on_conflict_do_update(index_elements=['sha256'], set_={'status': 'quarantined'})",
    "session.query(Outbox).update({'status': 'sent'})",
    "session.execute(text(\"UPDATE outbox SET sent_at = now(), status = 'sent' WHERE id = 1\"))",
])
def test_the_scan_catches_a_planted_write(snippet: str) -> None:
    assert violations(snippet) != []


@pytest.mark.parametrize("snippet", [
    "move(row, 'sent')",
    "session.add(Charge(amount=1, status=initial_status(Charge, 'open')))",
    "insert(MailBatch).values(status=gate.initial_status(MailBatch, 'splitting'))",
    "stmt.on_conflict_do_update(set_={'status': target_status(MailBatch, 'quarantined')})",
    "self.status = status  # an exception's HTTP status",
    "return {'status': app.status}",
    "if row.status == 'sent': pass",
    "RequestRefused(status=409)",
])
def test_the_scan_lets_the_gate_and_reads_through(snippet: str) -> None:
    assert violations(snippet) == []
