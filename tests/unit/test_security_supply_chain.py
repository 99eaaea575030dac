"""ASVS 15.2: the supply chain. Every dependency (the whole closure) is pinned, the pins are
what is installed, bandit finds nothing of high severity, and CI runs `make audit`."""

from __future__ import annotations

import json
import re
import subprocess  # nosec B404
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)$")


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: {line!r} is not pinned with =="
        found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def closure(requirements: list[Requirement]) -> set[str]:
    """Every distribution the requirements pull in on this platform, by canonical name."""
    seen: set[str] = set()
    queue = [(r, frozenset(r.extras)) for r in requirements]
    while queue:
        requirement, extras = queue.pop()
        name = canonicalize_name(requirement.name)
        if name in seen and not extras:
            continue
        seen.add(name)
        for raw in metadata.requires(requirement.name) or []:
            dependency = Requirement(raw)
            if dependency.marker is not None and not any(
                dependency.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                continue
            queue.append((dependency, frozenset(dependency.extras)))
    return seen


def top_level(path: Path) -> list[Requirement]:
    lines = [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


@pytest.mark.parametrize(
    ("source", "lock"), [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")]
)
def test_the_lock_files_pin_the_whole_closure_at_the_installed_versions(source: str, lock: str) -> None:
    pinned = pins(ROOT / "requirements.txt") | pins(ROOT / lock)
    needed = closure(top_level(ROOT / source)) - {"pip", "setuptools", "wheel"}
    assert sorted(needed - set(pinned)) == []
    for name in needed:
        assert metadata.version(name) == pinned[name], f"{name} is installed at another version than pinned"


def test_bandit_finds_nothing_of_high_severity() -> None:
    bandit = Path(sys.executable).with_name("bandit")
    targets = [
        p
        for p in (
            "agencies",
            "core",
            "reviews",
            "panels",
            "learning",
            "notifications",
            "tools",
            "config.py",
            "extensions.py",
            "wsgi.py",
        )
        if (ROOT / p).exists()
    ]
    completed = subprocess.run(  # nosec B603
        [str(bandit), "-q", "-r", *targets, "-lll", "-f", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(completed.stdout)
    assert [f"{r['filename']}:{r['line_number']} {r['test_id']}" for r in report["results"]] == []


def test_make_audit_runs_bandit_and_pip_audit_and_ci_runs_it() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = makefile.split("\naudit:", 1)[1].split("\n\n", 1)[0]
    assert "bandit" in target and "-lll" in target
    assert "tools/audit_dependencies.py requirements.txt" in target
    assert "make audit" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_dependency_audit_reads_pip_audit_reports_honestly() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from audit_dependencies import summarise
    finally:
        sys.path.remove(str(ROOT / "tools"))
    report = json.loads(
        json.dumps(
            {
                "dependencies": [
                    {"name": "flask", "version": "3.1.3", "vulns": []},
                    {
                        "name": "jinja2",
                        "version": "3.1.2",
                        "vulns": [
                            {"id": "GHSA-h75v-3vvj-5mfj", "fix_versions": ["3.1.3"], "aliases": ["CVE-2024-22195"]}
                        ],
                    },
                    {"name": "private-thing", "skip_reason": "Dependency not found on PyPI"},
                ],
                "fixes": [],
            }
        )
    )
    found, skipped, checked = summarise(report)
    assert found == ["jinja2 3.1.2: GHSA-h75v-3vvj-5mfj (fixed in 3.1.3)"]
    assert skipped == ["private-thing"] and checked == 2
