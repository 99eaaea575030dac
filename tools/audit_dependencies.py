"""`make audit`'s dependency check: pip-audit over the pinned requirements, read back as JSON.

pip-audit alone prints "No known vulnerabilities found" even when it could not look a single
package up (no route to the vulnerability service): this says plainly how many pins were
checked, fails on any known vulnerability, and with AUDIT_STRICT=1 also fails when any pin
could not be checked (use that where the service is reachable, as a release gate).

    python tools/audit_dependencies.py requirements.txt [requirements-dev.txt ...]
"""

from __future__ import annotations

import json
import os

# Runs pip-audit from this virtualenv with fixed arguments and no shell.
import subprocess  # nosec B404
import sys
import tempfile
from pathlib import Path


def summarise(report: dict) -> tuple[list[str], list[str], int]:
    """(vulnerabilities as lines, packages not checked, packages checked)."""
    found, skipped, checked = [], [], 0
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            skipped.append(dependency["name"])
            continue
        checked += 1
        for vulnerability in dependency.get("vulns", []):
            fixes = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version yet"
            found.append(f"{dependency['name']} {dependency['version']}: {vulnerability['id']} (fixed in {fixes})")
    return found, skipped, checked


def main(requirement_files: list[str]) -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        arguments = [
            str(pip_audit),
            "--progress-spinner",
            "off",
            "--disable-pip",
            "--no-deps",
            "--format",
            "json",
            "--output",
            str(output),
        ]
        for requirements in requirement_files:
            arguments += ["--requirement", requirements]
        completed = subprocess.run(arguments, check=False)  # nosec B603
        if not output.exists():
            print("pip-audit did not produce a report", file=sys.stderr)
            return completed.returncode or 1
        found, skipped, checked = summarise(json.loads(output.read_text(encoding="utf-8")))
    for line in found:
        print(f"VULNERABLE: {line}")
    print(
        f"pip-audit: {checked} pinned packages checked, {len(found)} known vulnerabilities, {len(skipped)} not checked"
    )
    if skipped:
        print(
            f"WARNING: could not look up {len(skipped)} packages (the vulnerability service is not "
            f"reachable from here?): {', '.join(sorted(skipped))}"
        )
    if found:
        return 1
    if skipped and os.environ.get("AUDIT_STRICT") == "1":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["requirements.txt"]))
