"""checkov, a third-party scanner, over the synthesized stacks, with a committed list of skipped checks.

checkov's ``terraform_json`` parser expects every block to be an object. It
stops at the string ``terraform.required_version`` ("this method receives only
dicts") and then reports a parsing error and no checks at all, with exit code 0;
it crashes on the lists of ``import`` and ``moved`` blocks. It therefore scans
copies of the stacks without those, which hold no resource settings. And it
reads a resource with ``for_each`` once, its ``each.value`` unresolved, so a
check of a grant table's roles would pass on ``${each.value.role}``: in the
copies, each instance of a literal ``for_each`` map is a resource of its own,
reported under its instance address. A parsing error counts as a failure, so
a scan that read nothing never passes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mindmirror_infra.errors import InvalidConfig
from mindmirror_infra.instances import instances
from mindmirror_infra.layout import STACK_FILE, STACKS_DIR

SKIPS_FILE = Path("checkov-skips.toml")
CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+_[0-9]+$")


@dataclass(frozen=True)
class Finding:
    """One failed check on one resource."""

    check_id: str
    check_name: str
    address: str
    file: str

    def __str__(self) -> str:
        return f"{self.check_id} on {self.address} in {self.file}: {self.check_name}"


@dataclass
class StackReport:
    """What checkov found in one stack: passed count, new failures, and failures the skip list explains."""

    stack: str
    passed: int = 0
    failed: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    parsing_errors: int = 0

    def summary(self) -> str:
        return f"{self.stack}: {self.passed} passed, {len(self.failed)} failed, {len(self.skipped)} skipped" + (
            f", {self.parsing_errors} parsing errors" if self.parsing_errors else ""
        )


def load_skips(path: Path = SKIPS_FILE) -> dict[str, str]:
    """The ``[skip]`` table of the skip list: check id -> the one-line reason it does not apply."""
    table = tomllib.loads(path.read_text()).get("skip", {})
    for check_id, reason in table.items():
        where = f"{path}: skip.{check_id}"
        if not CHECK_ID.match(check_id):
            raise InvalidConfig(where, check_id, "expected a checkov check id such as 'CKV_GCP_6'")
        if not isinstance(reason, str) or not reason.strip() or "\n" in reason:
            raise InvalidConfig(where, reason, "expected a one-line reason specific to this project")
    return dict(table)


def find_checkov() -> str | None:
    """``$CHECKOV``, else the checkov of this Python environment, else checkov on ``PATH``."""
    beside_python = Path(sys.executable).parent / "checkov"
    return os.environ.get("CHECKOV") or (str(beside_python) if beside_python.exists() else shutil.which("checkov"))


@dataclass(frozen=True)
class Prepared:
    """The copies checkov scans: one folder per stack, and each copy's line -> resource address."""

    root: Path
    addresses: Mapping[str, Mapping[int, str]]


def prepare(out_dir: Path, scratch: Path) -> Prepared:
    """Copies every stack of ``out_dir`` under ``scratch`` in the form checkov can parse."""
    addresses: dict[str, dict[int, str]] = {}
    for stack_file in sorted((out_dir / STACKS_DIR).glob(f"*/{STACK_FILE}")):
        config, instance_of = readable_by_checkov(json.loads(stack_file.read_text()))
        text = json.dumps(config, indent=2, sort_keys=True)
        copy = scratch / stack_file.parent.name / STACK_FILE
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(text)
        lines = resource_lines(config, text)
        addresses[stack_file.parent.name] = {line: instance_of.get(a, a) for line, a in lines.items()}
    return Prepared(scratch, addresses)


def readable_by_checkov(config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The config as checkov can read it, and the instance address of each resource that stands for one.

    Without lists of blocks and strings in ``terraform``; each instance of a
    literal ``for_each`` map becomes a resource ``<name>__<n>``.
    """
    readable = {key: value for key, value in config.items() if isinstance(value, dict)}
    if "terraform" in readable:
        readable["terraform"] = {k: v for k, v in readable["terraform"].items() if isinstance(v, dict)}
    instance_of: dict[str, str] = {}
    resources: dict[str, dict[str, Any]] = {}
    for kind, items in readable.get("resource", {}).items():
        resources[kind] = {}
        for name, body in items.items():
            if not isinstance(body.get("for_each"), dict):
                resources[kind][name] = body
                continue
            for number, (address, instance) in enumerate(instances(kind, name, body)):
                resources[kind][f"{name}__{number}"] = instance
                instance_of[f"{kind}.{name}__{number}"] = address
    if resources:
        readable["resource"] = resources
    return readable, instance_of


def resource_lines(config: dict[str, Any], text: str) -> dict[int, str]:
    """The 1-based line where each resource of ``text`` starts, as checkov reports it."""
    lines: dict[int, str] = {}
    kinds = set(config.get("resource", {}))
    in_resources, kind = False, ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith('  "') and line.endswith("{"):
            in_resources = line.strip() == '"resource": {'
        elif in_resources and line.startswith('    "') and line.endswith("{"):
            kind = key_of(line)
        elif in_resources and kind in kinds and line.startswith('      "') and line.endswith("{"):
            lines[number] = f"{kind}.{key_of(line)}"
    return lines


def key_of(line: str) -> str:
    return line.strip().split('"')[1]


def command(checkov: str, prepared: Prepared) -> list[str]:
    return [
        checkov,
        "--directory",
        str(prepared.root),
        "--framework",
        "terraform_json",
        "--skip-download",
        "--output",
        "json",
        "--compact",
    ]


@dataclass
class Running:
    """checkov scanning in the background (it takes seconds): start it early, read its reports later."""

    process: subprocess.Popen[str]
    prepared: Prepared

    @classmethod
    def start(cls, checkov: str, out_dir: Path, scratch: Path) -> Running:
        prepared = prepare(out_dir, scratch)
        process = subprocess.Popen(
            command(checkov, prepared),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=prepared.root,
            # No network: checkov would otherwise look up its guideline mapping online.
            env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        )
        return cls(process, prepared)

    def reports(self, skips: Mapping[str, str]) -> list[StackReport]:
        stdout, stderr = self.process.communicate()
        try:
            output = json.loads(stdout)
        except json.JSONDecodeError:
            raise RuntimeError(
                f"checkov printed no report (exit {self.process.returncode}): {stderr.strip()[-500:]}"
            ) from None
        return reports(output, self.prepared, skips)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def run(checkov: str, out_dir: Path, scratch: Path, skips: Mapping[str, str]) -> list[StackReport]:
    """checkov over every stack of ``out_dir``, waiting for its report."""
    return Running.start(checkov, out_dir, scratch).reports(skips)


def reports(output: Any, prepared: Prepared, skips: Mapping[str, str]) -> list[StackReport]:
    """Splits checkov's JSON report per stack, putting failures on the skip list aside."""
    by_stack = {name: StackReport(name) for name in prepared.addresses}
    for report in output if isinstance(output, list) else [output]:
        results = report.get("results", {})
        for check in results.get("passed_checks", []):
            by_stack[stack_of(check)].passed += 1
        for check in results.get("failed_checks", []):
            stack = stack_of(check)
            finding = Finding(
                check["check_id"],
                check.get("check_name", ""),
                address_of(check, prepared.addresses[stack]),
                f"generated/{STACKS_DIR}/{stack}/{STACK_FILE}",
            )
            (by_stack[stack].skipped if finding.check_id in skips else by_stack[stack].failed).append(finding)
        # checkov counts parsing errors in its summary and names the files only sometimes.
        files = [Path(path).parent.name for path in results.get("parsing_errors", [])]
        unnamed = report.get("summary", {}).get("parsing_errors", 0) - len(files)
        for stack in files + (list(by_stack) if unnamed > 0 else []):
            by_stack[stack].parsing_errors += 1
    return list(by_stack.values())


def stack_of(check: Mapping[str, Any]) -> str:
    return Path(check["file_path"]).parent.name


def address_of(check: Mapping[str, Any], lines: Mapping[int, str]) -> str:
    """The resource's address: checkov names some resources ``resource.<name>``, so the line decides."""
    start_line = (check.get("file_line_range") or [0])[0]
    return lines.get(start_line, check.get("resource", "?"))
