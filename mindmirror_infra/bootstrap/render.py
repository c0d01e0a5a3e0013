"""Rendering the bootstrap scripts of every environment with Jinja2, all or nothing."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

from jinja2 import Environment as Jinja
from jinja2 import PackageLoader, StrictUndefined

from mindmirror_infra.bootstrap.plan import bootstrap_plan, scripts
from mindmirror_infra.catalog import Catalog
from mindmirror_infra.output import staging_folder, swap

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


def render(catalog: Catalog, out_dir: Path) -> list[Path]:
    """Writes every environment's scripts into ``out_dir`` (replacing it whole) and returns their paths."""
    out_dir = out_dir.absolute()
    texts = rendered_scripts(catalog)
    staging = staging_folder(out_dir)
    try:
        for relative, text in texts.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            path.chmod(EXECUTABLE)
        swap(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / relative for relative in texts]
