"""Rendering the bootstrap scripts of every environment with Jinja2, all or nothing."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from jinja2 import Environment as Jinja
from jinja2 import PackageLoader, StrictUndefined

from mindmirror_infra.bootstrap.plan import bootstrap_plan, scripts
from mindmirror_infra.catalog import Catalog
from mindmirror_infra.layout import MANIFEST_FILE
from mindmirror_infra.output import BOOTSTRAP, replacing, swap

EXECUTABLE = 0o755


def _templates() -> Jinja:
    jinja = Jinja(
        loader=PackageLoader("mindmirror_infra.bootstrap", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # shell, not HTML: free text is quoted with the `sh` filter
        # `${#array[@]}` is shell; Jinja's default `{#` would read it as a comment.
        comment_start_string="{##",
        comment_end_string="##}",
    )
    jinja.filters["sh"] = shlex.quote
    return jinja


def rendered_scripts(catalog: Catalog) -> dict[Path, str]:
    """Every script's text, keyed by its path relative to the output folder (``<env>/<file>``)."""
    jinja = _templates()
    texts: dict[Path, str] = {}
    for env in catalog.environments:
        plan = bootstrap_plan(catalog, env)
        for script in scripts(plan):
            texts[Path(env.name) / script.file] = jinja.get_template(script.template).render(plan=plan, script=script)
    return texts


def render(catalog: Catalog, out: str | Path) -> list[Path]:
    """Writes every environment's scripts and their manifest into the folder ``out``, replacing it whole.

    ``out`` must be a folder an output may replace (``output.checked_out_dir``).
    Returns the scripts' paths.
    """
    texts = rendered_scripts(catalog)
    with replacing(str(out), BOOTSTRAP) as (out_dir, staging):
        for relative, text in texts.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            path.chmod(EXECUTABLE)
        (staging / MANIFEST_FILE).write_text(manifest(texts))
        swap(staging, out_dir)
    return [out_dir / relative for relative in texts]


def manifest(texts: dict[Path, str]) -> str:
    """The scripts of each environment, in the order they run: what marks the folder as this command's output."""
    scripts: dict[str, list[str]] = {}
    for relative in texts:
        scripts.setdefault(relative.parent.name, []).append(relative.name)
    return json.dumps({"scripts": scripts}, indent=2, sort_keys=True) + "\n"
