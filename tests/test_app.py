"""Synthesis keeps cdktn's stack checks with its validation pass (and its binary probe) off."""

from __future__ import annotations

from pathlib import Path

import pytest
from cdktn import App, TerraformStack
from cdktn_provider_google.service_account import ServiceAccount

from mindmirror_infra.app import synth_checked


def test_a_stack_without_its_provider_is_refused(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), stack_traces=False, skip_validation=True)
    ServiceAccount(TerraformStack(app, "lonely"), "account", account_id="lonely-account")
    with pytest.raises(RuntimeError, match=r"\[lonely\] Found resources without a matching provider construct"):
        synth_checked(app)
