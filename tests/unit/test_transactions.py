"""One rule for transactions: operations flush, never commit; the view (or the CLI command, or
the mail worker between messages) commits once. The scan reads the source, so code added later
is held to the rule as it lands."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

APP_PACKAGES = ["agencies", "cases", "core", "learning", "notifications", "panels", "portal", "reviews"]

# Modules whose functions are request handlers or command-line commands: they own the transaction.
COMMITTING_MODULES = {"views.py", "admin.py", "commands.py", "cli.py"}
# The mail worker commits each claim and each outcome by design (a crash must not resend), and runs
# each reminder sweep in its own transaction; the background renderer likewise commits each claim,
# each finished file and each failure, so a killed worker leaves no render half-claimed. The inbound
# mail listener owns the transaction of each message it takes in, like a request: it commits once,
# before answering the sending server.
COMMITTING_FILES = {
    "notifications/worker.py",
    "notifications/reminder_jobs.py",
    "notifications/inbound.py",
    "core/renders.py",
}
# The helpers views and the worker commit through: a save that may be stale, the kept read and
# refusal rows, and the malware scan of uploaded files (one commit per file scanned).
COMMITTING_HELPERS = {
    ("core/db.py", "commit_unless_stale"),
    ("core/audit.py", "commit_kept_records"),
    ("core/files.py", "scan_waiting_files"),
}


def _is_commit(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "session"
    )


def _is_cli_command(function: ast.FunctionDef) -> bool:
    """``@something.command(...)``: a click command, which owns its transaction like a view."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr == "command":
            return True
    return False


def commits_outside_their_place(source: str, relative_path: str) -> list[str]:
    """``path:line in function`` for every ``*.session.commit()`` the rule does not allow."""
    if Path(relative_path).name in COMMITTING_MODULES or relative_path in COMMITTING_FILES:
        return []
    tree = ast.parse(source)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found = []
    for node in (node for node in ast.walk(tree) if _is_commit(node)):
        functions = []
        ancestor = parents.get(node)
        while ancestor is not None:
            if isinstance(ancestor, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.append(ancestor)
            ancestor = parents.get(ancestor)
        allowed = any(
            (relative_path, function.name) in COMMITTING_HELPERS or _is_cli_command(function) for function in functions
        )
        if not allowed:
            where = f" in {functions[0].name}" if functions else ""
            found.append(f"{relative_path}:{node.lineno}{where}")
    return found


def test_operations_flush_and_only_views_and_commands_commit() -> None:
    problems = []
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            problems += commits_outside_their_place(path.read_text(encoding="utf-8"), relative)
    assert problems == []


def test_no_operations_module_commits() -> None:
    modules = sorted(ROOT.glob("*/**/operations.py"))
    assert len(modules) >= 6, "the scan should find every package's operations"
    for path in modules:
        commits = [node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if _is_commit(node)]
        assert commits == [], f"{path.relative_to(ROOT)} commits at line {commits[0].lineno}"


def test_the_scan_catches_a_commit_in_an_operation() -> None:
    source = (
        "def save(thing):\n"
        "    db.session.add(thing)\n"
        "    db.session.commit()\n"
        "\n"
        "@cli.command('x')\n"
        "def command():\n"
        "    db.session.commit()\n"
    )
    assert commits_outside_their_place(source, "panels/operations.py") == ["panels/operations.py:3 in save"]
    assert commits_outside_their_place(source, "panels/views.py") == []
