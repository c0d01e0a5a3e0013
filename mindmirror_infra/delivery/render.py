"""Rendering the application repository's workflows and deploy scripts, and installing them there.

``delivery/`` of this project holds them as the application repository gets
them: ``workflows/`` goes to ``.github/workflows/`` and ``scripts/`` to
``.github/delivery/``. Rendered all or nothing, like ``generated/`` and
``bootstrap/``; see docs/decisions/0011-delivery-from-catalog.md.
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
from pathlib import Path

from jinja2 import Environment as Jinja
from jinja2 import PackageLoader, StrictUndefined

from mindmirror_infra.catalog import MIGRATIONS_IMAGE, Catalog
from mindmirror_infra.delivery.actions import ACTIONS
from mindmirror_infra.delivery.plan import DeliveryPlan, delivery_plan
from mindmirror_infra.errors import InvalidConfig
from mindmirror_infra.layout import MANIFEST_FILE
from mindmirror_infra.output import DELIVERY, replacing, swap

WORKFLOWS = Path("workflows")
SCRIPTS = Path("scripts")
# Where each folder goes in the application repository.
INSTALLED = {WORKFLOWS: Path(".github/workflows"), SCRIPTS: Path(".github/delivery")}
WORKFLOW_FILES = ("build-and-push.yml", "deploy.yml", "rollback.yml")
SCRIPT_FILES = ("target.sh", "deploy.sh", "rollback.sh")
EXECUTABLE = 0o755
# The first line of every rendered file (after a script's shebang): how
# `workflows install` tells its own files from the user's.
MARK = "# Rendered by mminfra from the catalog of mindmirror-infra. Do not edit:"
OWN_WORKFLOW = "infrastructure.yml"
OWN_MARK = "# Rendered by mminfra from the catalog (mindmirror_infra/catalog/). Do not edit:"
HEADER = (
    f"{MARK}\n"
    "# change mindmirror_infra/catalog/ there, run `make synth`, then\n"
    "# `mminfra workflows install <this repository>`."
)


def _jinja(variable: tuple[str, str]) -> Jinja:
    jinja = Jinja(
        loader=PackageLoader("mindmirror_infra.delivery", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # shell and YAML, not HTML: shell values are quoted with the `sh` filter
        variable_start_string=variable[0],
        variable_end_string=variable[1],
        # `${#array[@]}` is shell; Jinja's default `{#` would read it as a comment.
        comment_start_string="{##",
        comment_end_string="##}",
    )
    jinja.filters["sh"] = shlex.quote
    return jinja


def rendered_files(catalog: Catalog) -> dict[Path, str]:
    """Every file's text, keyed by its path relative to the output folder."""
    plan = delivery_plan(catalog)
    _check_job_ids(plan)
    context = {
        "plan": plan,
        "header": HEADER,
        "actions": ACTIONS,
        "migrations_image": MIGRATIONS_IMAGE,
        "scripts_dir": INSTALLED[SCRIPTS],
        "provider": provider_expression(plan),
    }
    # GitHub's `${{ }}` stays as it is in workflows; the catalog's values go in with `{= =}`.
    workflows, scripts = _jinja(("{=", "=}")), _jinja(("{{", "}}"))
    texts = {WORKFLOWS / name: workflows.get_template(f"{name}.j2").render(context) for name in WORKFLOW_FILES}
    texts |= {SCRIPTS / name: scripts.get_template(f"{name}.j2").render(context) for name in SCRIPT_FILES}
    return texts


def provider_expression(plan: DeliveryPlan) -> str:
    """The target environment's Workload Identity provider, from its GitHub Actions variable.

    Spelled out per environment rather than computed (``vars[...]``), so a
    reader sees every variable a workflow may read.
    """
    chosen = " || ".join(
        f"needs.target.outputs.environment == '{t.name}' && vars.{t.provider_variable}" for t in plan.targets
    )
    return f"${{{{ {chosen} || '' }}}}"


def own_workflow(catalog: Catalog) -> str:
    """This repository's workflow (``.github/workflows/infrastructure.yml``): test, validate, plan, apply."""
    context = {"plan": delivery_plan(catalog), "header": HEADER.replace(MARK, OWN_MARK), "actions": ACTIONS}
    return _jinja(("{=", "=}")).get_template(f"{OWN_WORKFLOW}.j2").render(context)


def write_own_workflow(catalog: Catalog, path: Path) -> Path:
    """Replaces the file at ``path`` whole with this repository's workflow."""
    text = own_workflow(catalog)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.chmod(scratch, 0o644)
    os.replace(scratch, path)
    return path


def _check_job_ids(plan: DeliveryPlan) -> None:
    # build-and-push has a job per image, named after it, beside its `target` job.
    names = [image.name for image in plan.images]
    if "target" in names or len(set(names)) != len(names):
        raise InvalidConfig(
            "services.name", sorted(names), f"expected names other than 'target' and {MIGRATIONS_IMAGE!r}"
        )


def render(catalog: Catalog, out: str | Path) -> list[Path]:
    """Writes every workflow and script, and their manifest, into the folder ``out``, replacing it whole.

    ``out`` must be a folder an output may replace (``output.checked_out_dir``).
    Returns the paths of the workflows and scripts.
    """
    texts = rendered_files(catalog)
    with replacing(str(out), DELIVERY) as (out_dir, staging):
        for relative, text in texts.items():
            _write(staging / relative, text)
        listed = {folder.name: sorted(p.name for p in texts if p.parent == folder) for folder in (WORKFLOWS, SCRIPTS)}
        (staging / MANIFEST_FILE).write_text(json.dumps(listed, indent=2, sort_keys=True) + "\n")
        swap(staging, out_dir)
    return [out_dir / relative for relative in texts]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(EXECUTABLE if path.suffix == ".sh" else 0o644)


def install(catalog: Catalog, dest: Path) -> list[Path]:
    """Writes the workflows and scripts into the repository at ``dest``; returns the paths written.

    Only files of the same names are replaced, and only when they were
    rendered here too (they carry the header): a workflow of the user's own
    is refused, naming it, and nothing is written.
    """
    if not dest.is_dir():
        raise InvalidConfig("DEST", str(dest), "expected the folder of the application repository")
    texts = {INSTALLED[relative.parent] / relative.name: text for relative, text in rendered_files(catalog).items()}
    for relative in texts:
        target = dest / relative
        if target.is_symlink() or (target.exists() and MARK not in _head(target)):
            raise InvalidConfig(
                "DEST", str(target), "a file mminfra did not render is in the way; expected to replace only its own"
            )
    written = []
    for relative, text in texts.items():
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        # Each file is replaced whole: written beside it, then renamed over it.
        handle, scratch = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.chmod(scratch, EXECUTABLE if target.suffix == ".sh" else 0o644)
        os.replace(scratch, target)
        written.append(target)
    return written


def _head(path: Path) -> str:
    try:
        with path.open(errors="replace") as file:
            return "".join(file.readline() for _ in range(3))
    except OSError:
        return ""
