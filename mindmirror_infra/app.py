"""The cdktn app: one stack per environment, synthesized with cdktn's own stack checks.

Loading this module starts the jsii runtime (Node.js with the provider's
assembly, about five seconds); ``mindmirror_infra.synthesis`` decides in which
process that happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cdktn import App, TerraformStack

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.stacks.environment_stack import EnvironmentStack


def build_app(catalog: Catalog, outdir: Path, env_names: Sequence[str] = ()) -> App:
    """An app with one stack per environment (or only those named); ``synth_checked`` synthesizes it.

    cdktn's own validation pass is off: besides the stack checks that
    ``synth_checked`` runs, it only holds a probe added by every import block,
    which runs ``terraform version`` in a shell once per block (54 shells, five
    seconds, per synthesis of the embedded catalog) and fails the synthesis on a
    machine that has OpenTofu but no ``terraform``. The version import blocks
    need is enforced where it matters, by ``terraform.required_version`` at plan.
    (A moved block makes cdktn add the same probe to the stack itself, where
    ``synth_checked`` still runs it: one shell per stack.)
    """
    selected = [catalog.environment(name) for name in env_names] or list(catalog.environments)
    # Stack traces would write absolute paths of this checkout into the output.
    app = App(outdir=str(outdir), stack_traces=False, skip_validation=True)
    for env in selected:
        EnvironmentStack(app, catalog, env)
    return app


def synth_checked(app: App) -> None:
    """Synthesizes ``app``, then runs each stack's own cdktn checks (provider present, functions supported).

    They run after synthesis because that is when cdktn records the functions a
    stack uses; a failure raises before the caller moves the output into place.
    """
    app.synth()
    failures = [
        f"[{stack.node.path}] {message}"
        for stack in app.node.children
        if isinstance(stack, TerraformStack)
        for message in stack.node.validate()
    ]
    if failures:
        raise RuntimeError("cdktn stack checks failed:\n  " + "\n  ".join(failures))
