"""``mminfra``: synthesize the catalog, inspect it, and run OpenTofu on a stack."""

from __future__ import annotations

import importlib
import json
import signal
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import click

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.errors import InvalidConfig
from mindmirror_infra.layout import STACK_FILE, STACKS_DIR, stack_dir, stack_file

DEFAULT_CATALOG = "mindmirror_infra.catalog.mindmirror:mindmirror"
DEFAULT_OUT = Path("generated")
DEFAULT_BOOTSTRAP_OUT = Path("bootstrap")
DEFAULT_DELIVERY_OUT = Path("delivery")
BAD_INPUT = 2
NOT_FOUND = 127


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def shown(path: Path) -> Path:
    """``path`` relative to the working folder when it is inside it."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def load_catalog(reference: str) -> Catalog:
    """``module:attribute``: a Catalog, or a function returning one."""
    module_name, _, attribute = reference.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attribute or "CATALOG")
        catalog = target() if callable(target) else target
    except InvalidConfig as error:
        fail(str(error))
    except (ImportError, AttributeError) as error:
        fail(f"--catalog: {reference!r} cannot be loaded ({error}); expected 'module:function'")
    if not isinstance(catalog, Catalog):
        fail(f"--catalog: {reference!r} is a {type(catalog).__name__}; expected a Catalog")
    return catalog


catalog_option = click.option(
    "--catalog",
    "catalog_ref",
    default=DEFAULT_CATALOG,
    show_default=True,
    help="The catalog to use, as module:function.",
)

# A plain string, not click.Path: `--out ""` must reach the check as it was given.
OUT_HELP = (
    "The folder to replace whole: a new or empty folder, or an earlier output of this command "
    "(never the current folder or one above it, the home folder or the project's own folder)."
)

jobs_option = click.option(
    "--jobs",
    type=int,
    default=None,
    help="Environments built side by side, each in a worker process. Default: the number of CPUs; "
    "1 builds them one after the other in this process.",
)


@click.group()
def main() -> None:
    """mindmirror-infra: the MindMirror platform's infrastructure."""
    # A terminated run unwinds like an interrupted one: synthesis stops its
    # workers and removes its temporary folder on the way out.
    signal.signal(signal.SIGTERM, _exit_on_terminate)


def _exit_on_terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@main.command()
@click.option("--env", "env_names", multiple=True, help="Only this environment (repeatable). Default: all.")
@click.option("--out", "out_dir", default=str(DEFAULT_OUT), show_default=True, help=OUT_HELP)
@catalog_option
@jobs_option
def synth(env_names: tuple[str, ...], out_dir: str, catalog_ref: str, jobs: int | None) -> None:
    """Synthesize environments into OUT/stacks/<env>/cdk.tf.json (all or nothing)."""
    from mindmirror_infra.synthesis import synthesize

    catalog = load_catalog(catalog_ref)
    try:
        written = synthesize(catalog, out_dir, env_names, jobs)
    except InvalidConfig as error:
        fail(str(error))
    for path in written:
        click.echo(f"wrote {shown(path)}")


@main.command("list")
@catalog_option
@jobs_option
def list_command(catalog_ref: str, jobs: int | None) -> None:
    """Environments, services, and resource counts per stack."""
    from mindmirror_infra.synthesis import synthesize

    catalog = load_catalog(catalog_ref)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        try:
            synthesize(catalog, out, jobs=jobs)
        except InvalidConfig as error:
            fail(str(error))
        for env in catalog.environments:
            config = json.loads(stack_file(out, env.name).read_text())
            counts = Counter({kind: len(items) for kind, items in config.get("resource", {}).items()})
            click.echo(f"{env.name}: project {env.project_id}, region {env.region}, {sum(counts.values())} resources")
            for kind, count in sorted(counts.items()):
                click.echo(f"  {count:4d}  {kind}")
    click.echo("services:")
    for service in catalog.services:
        detail = f"port {service.port}" if service.port is not None else "worker"
        database = f", database {service.database}" if service.database else ""
        click.echo(f"  {service.name} ({detail}{database}{', public' if service.public else ''})")


@main.command()
@click.option("--dir", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True)
@click.option("--skips", type=click.Path(path_type=Path), default=Path("checkov-skips.toml"), show_default=True)
@click.option("--checkov/--no-checkov", "with_checkov", default=True, help="Also run checkov, when it is installed.")
def check(out_dir: Path, skips: Path, with_checkov: bool) -> None:
    """The invariants on every stack in DIR, then checkov. Exit 1 on any finding."""
    from mindmirror_infra import checkov
    from mindmirror_infra.invariants import violations

    stacks = sorted(out_dir.glob(f"{STACKS_DIR}/*/{STACK_FILE}"))
    if not stacks:
        fail(f"--dir: {str(out_dir)!r} holds no stacks; run `make synth` first")
    found = 0
    for path in stacks:
        problems = violations(json.loads(path.read_text()))
        found += len(problems)
        click.echo(f"{path.parent.name}: {len(problems)} invariant violations")
        for problem in problems:
            click.echo(f"  {problem}")
    found += _check_budgets(out_dir, [path.parent.name for path in stacks])
    executable = checkov.find_checkov() if with_checkov else None
    if with_checkov and executable is None:
        click.echo("checkov: not installed, skipped")
    if executable is not None:
        try:
            skip_list = checkov.load_skips(skips)
        except (OSError, InvalidConfig) as error:
            fail(f"--skips: {error}")
        with tempfile.TemporaryDirectory() as scratch:
            for report in checkov.run(executable, out_dir, Path(scratch), skip_list):
                found += len(report.failed) + report.parsing_errors
                click.echo(f"checkov {report.summary()}")
                for finding in report.failed:
                    click.echo(f"  {finding}")
    sys.exit(1 if found else 0)


def _check_budgets(out_dir: Path, env_names: list[str]) -> int:
    """Each stack's budget against its fixed monthly cost (docs/decisions/0014-cost-in-review.md)."""
    from mindmirror_infra.cost.budget import budget_findings
    from mindmirror_infra.cost.estimate import estimate_output
    from mindmirror_infra.cost.resources import UnclassifiedResource

    found = 0
    for env_name in env_names:
        try:
            problems = list(budget_findings(out_dir, env_name))
        except UnclassifiedResource as error:
            problems = [str(error)]
        found += len(problems)
        click.echo(f"{env_name}: {len(problems)} budget findings")
        for problem in problems:
            click.echo(f"  {problem}")
        for gap in [] if problems else estimate_output(out_dir, env_name).unpriced:
            click.echo(f"  warning: left out of the estimate: {gap}")
    return found


@main.command()
@click.option("--env", "env_names", multiple=True, help="Only this environment (repeatable). Default: all in DIR.")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)  # fmt: skip
@click.option("--dir", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True)
def cost(env_names: tuple[str, ...], output_format: str, out_dir: Path) -> None:
    """Monthly estimate of each stack in DIR: per resource, fixed (no traffic) apart from usage, and a total."""
    from mindmirror_infra.cost.budget import budget_amounts
    from mindmirror_infra.cost.estimate import estimate_output
    from mindmirror_infra.cost.prices import load_prices
    from mindmirror_infra.cost.report import RENDERERS, Priced
    from mindmirror_infra.cost.resources import UnclassifiedResource

    available = sorted(path.parent.name for path in out_dir.glob(f"{STACKS_DIR}/*/{STACK_FILE}"))
    if not available:
        fail(f"--dir: {str(out_dir)!r} holds no stacks; run `make synth` first")
    for name in env_names:
        if name not in available:
            fail(f"--env: {name!r} has no stack in {str(out_dir)!r}; expected one of {', '.join(available)}")
    selected = list(dict.fromkeys(env_names)) or available
    environments = []
    for name in selected:
        try:
            estimate = estimate_output(out_dir, name)
        except UnclassifiedResource as error:
            fail(str(error), 1)
        amounts = budget_amounts(json.loads(stack_file(out_dir, name).read_text()))
        environments.append(Priced(estimate, sum(amounts.values()) if amounts else None))
    click.echo(RENDERERS[output_format](environments, load_prices()), nl=False)


@main.command()
@click.argument("folders", nargs=-1, type=click.Path(path_type=Path), metavar="[OLD NEW]")
@click.option(
    "--base", "base_ref", default=None, help="Git ref of the old side. Default: the merge base with main, else HEAD."
)
@click.option("--dir", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True)
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text")
@click.option(
    "--fail-on",
    "gates",
    type=click.Choice(["destroy", "stateful", "replace"]),
    multiple=True,
    help="Exit 1 when a change destroys (or replaces) anything, destroys or replaces a stateful resource, "
    "or replaces anything (repeatable).",
)
def diff(
    folders: tuple[Path, ...], base_ref: str | None, out_dir: Path, output_format: str, gates: tuple[str, ...]
) -> None:
    """What a change to DIR creates, changes and destroys, stack by stack, without credentials.

    Compares DIR as committed at --base with DIR in the work tree, or the output folders OLD and NEW.
    """
    from mindmirror_infra.review import force_new, render, sources
    from mindmirror_infra.review.changes import gated, review
    from mindmirror_infra.review.cost_change import cost_changes

    if len(folders) not in (0, 2):
        fail(f"folders: {[str(f) for f in folders]} is not allowed; expected none or two output folders (OLD NEW)")
    if folders and base_ref is not None:
        fail(f"--base: {base_ref!r} is not allowed with two folders; expected one or the other")
    with tempfile.TemporaryDirectory() as scratch:
        if folders:
            old_dir, new_dir = folders
            for folder in folders:
                if not folder.is_dir():
                    fail(f"folders: {str(folder)!r} is not a folder; expected an output folder such as generated")
            base, head = str(old_dir), str(new_dir)
        else:
            old_dir, new_dir = Path(scratch) / "base", out_dir
            ref = base_ref or sources.default_base(out_dir if out_dir.is_dir() else Path.cwd())
            try:
                base = sources.write_ref(out_dir, ref, old_dir)
            except InvalidConfig as error:
                fail(str(error))
            head = f"{out_dir} (work tree)"
        result = review(base, sources.stacks_of(old_dir), head, sources.stacks_of(new_dir), force_new.load())
        result = replace(result, costs=cost_changes(old_dir, new_dir, [stack.stack for stack in result.stacks]))
    click.echo(render.FORMATS[output_format](result), nl=False)
    stopped = gated(result, gates)
    for reason in stopped:
        click.echo(f"--fail-on {reason}", err=True)
    sys.exit(1 if stopped else 0)


@main.group()
def bootstrap() -> None:
    """The gcloud scripts that prepare a project for its first apply."""


@bootstrap.command("render")
@click.option("--out", "out_dir", default=str(DEFAULT_BOOTSTRAP_OUT), show_default=True, help=OUT_HELP)
@catalog_option
def bootstrap_render(out_dir: str, catalog_ref: str) -> None:
    """Render every environment's scripts into OUT/<env>/ (all or nothing)."""
    from mindmirror_infra.bootstrap.render import render

    catalog = load_catalog(catalog_ref)
    try:
        written = render(catalog, out_dir)
    except InvalidConfig as error:
        fail(str(error))
    for path in written:
        click.echo(f"wrote {shown(path)}")


@bootstrap.command("list")
@click.option("--env", "env_name", default=None, help="Only this environment. Default: all.")
@catalog_option
def bootstrap_list(env_name: str | None, catalog_ref: str) -> None:
    """What each script would do, per environment, in the order they run."""
    from mindmirror_infra.bootstrap.plan import bootstrap_plan, scripts

    catalog = load_catalog(catalog_ref)
    try:
        environments = [catalog.environment(env_name)] if env_name else list(catalog.environments)
    except InvalidConfig as error:
        fail(str(error))
    for env in environments:
        click.echo(f"{env.name}: project {env.project_id}, region {env.region}, scripts in bootstrap/{env.name}/")
        for script in scripts(bootstrap_plan(catalog, env)):
            when = " (after the first apply)" if script.after_first_apply else ""
            click.echo(f"  {script.file}{when}: {script.title}")
            for action in script.actions:
                click.echo(f"    - {action}")


@main.group()
def workflows() -> None:
    """The application repository's workflows: build, migrate, deploy, roll back."""


@workflows.command("render")
@click.option("--out", "out_dir", default=str(DEFAULT_DELIVERY_OUT), show_default=True, help=OUT_HELP)
@click.option(
    "--own-workflow",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write this repository's own workflow (test, validate, plan, apply) to this file.",
)
@catalog_option
def workflows_render(out_dir: str, own_workflow: Path | None, catalog_ref: str) -> None:
    """Render the workflows into OUT/workflows/ and their scripts into OUT/scripts/ (all or nothing)."""
    from mindmirror_infra.delivery.render import render, write_own_workflow

    catalog = load_catalog(catalog_ref)
    try:
        written = render(catalog, out_dir)
        if own_workflow is not None:
            written.append(write_own_workflow(catalog, own_workflow.absolute()))
    except InvalidConfig as error:
        fail(str(error))
    for path in written:
        click.echo(f"wrote {shown(path)}")


@workflows.command("install")
@click.argument("dest", type=click.Path(path_type=Path))
@catalog_option
def workflows_install(dest: Path, catalog_ref: str) -> None:
    """Write the workflows into DEST/.github/workflows/ and their scripts into DEST/.github/delivery/.

    Replaces only files it rendered before; a file of the same name that it did not render is refused.
    """
    from mindmirror_infra.delivery.render import install

    catalog = load_catalog(catalog_ref)
    try:
        written = install(catalog, dest)
    except InvalidConfig as error:
        fail(str(error))
    for path in written:
        click.echo(f"wrote {shown(path)}")


def run_tofu(command: str, env_name: str, tofu_args: tuple[str, ...], out_dir: Path, catalog_ref: str) -> NoReturn:
    from mindmirror_infra.tofu import TofuNotFound, run_in_stack

    catalog = load_catalog(catalog_ref)
    try:
        catalog.environment(env_name)
        code = run_in_stack(stack_dir(out_dir, env_name), command, tofu_args)
    except InvalidConfig as error:
        fail(str(error))
    except FileNotFoundError as error:
        fail(str(error))
    except TofuNotFound as error:
        fail(str(error), NOT_FOUND)
    sys.exit(code)


def preflight(env_name: str, out_dir: Path, catalog_ref: str, *, allow_placeholders: bool) -> None:
    """Refuses (exit 2, every field listed) an environment whose catalog still holds placeholder values.

    Runs before OpenTofu; a missing stack is left for ``run_tofu`` to report.
    """
    from mindmirror_infra.preflight import findings, refusal

    catalog = load_catalog(catalog_ref)
    try:
        env = catalog.environment(env_name)
    except InvalidConfig as error:
        fail(str(error))
    path = stack_file(out_dir, env_name)
    if not path.is_file():
        return
    found = findings(env, json.loads(path.read_text()))
    if not found:
        return
    if allow_placeholders:
        click.echo(f"warning: {refusal(env, found)}", err=True)
        return
    fail(refusal(env, found))


def tofu_command(command: str) -> click.Command:
    @click.argument("env_name", metavar="ENV")
    @click.argument("tofu_args", nargs=-1, type=click.UNPROCESSED)
    @click.option("--dir", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True)
    @catalog_option
    def run(
        env_name: str, tofu_args: tuple[str, ...], out_dir: Path, catalog_ref: str, allow_placeholders: bool = False
    ) -> None:
        preflight(env_name, out_dir, catalog_ref, allow_placeholders=allow_placeholders)
        run_tofu(command, env_name, tofu_args, out_dir, catalog_ref)

    run.__doc__ = (
        f"tofu init, then tofu {command}, in DIR/stacks/ENV. Arguments after ENV go to tofu {command}. "
        "The binary is $TOFU, else tofu on PATH; the exit code is tofu's. "
        "Refused while the catalog holds placeholder values for ENV (example domains, placeholder hosts, "
        "private addresses no resource owns)."
    )
    if command == "plan":
        run = click.option(
            "--allow-placeholders",
            is_flag=True,
            help="Plan even though the catalog holds placeholder values (a dry plan; apply always refuses them).",
        )(run)
    return main.command(command, context_settings={"ignore_unknown_options": True})(run)


tofu_command("plan")
tofu_command("apply")


if __name__ == "__main__":
    main()
