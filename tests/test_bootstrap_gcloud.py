"""The bootstrap scripts against the real Google Cloud CLI: every command line parses, every setting is real."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mindmirror_infra.bootstrap.render import render
from mindmirror_infra.catalog import Catalog
from tests.bootstrap_project import SCRIPTS, FakeProject, empty_project, gcloud_logging_everything, run_all
from tests.gcloud_cli import gcloud, needs_gcloud, parse_each

pytestmark = needs_gcloud


@pytest.fixture(scope="module")
def every_call(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The gcloud calls of every path through the scripts (those of one environment: all render one template).

    A first run on an empty project, a second run, then a project whose bucket
    lacks its settings and whose URL secrets hold only disabled versions.
    """
    rendered = tmp_path_factory.mktemp("bootstrap") / "bootstrap"
    render(catalog, rendered)
    env = catalog.environments[0]
    project = FakeProject(rendered / env.name, tmp_path_factory.mktemp(env.name))
    project.set_state(empty_project(env.project_id))
    for _ in range(2):
        assert all(r.returncode == 0 for r in run_all(project).values())
    state = project.state()
    state["buckets"][catalog.state_bucket] = {"versioning": False, "uniform_access": False, "public_access": ""}
    state["secrets"].update({d.url_secret: ["DISABLED"] for d in catalog.databases})
    project.set_state(state)
    for script in (SCRIPTS[0], SCRIPTS[-1]):
        assert project.run(script).returncode == 0
    return project.calls()


def shape(argv: list[str]) -> tuple[str, ...]:
    """A call's command and flag names, its values left out: one real gcloud run per shape."""
    words = tuple(a for a in argv if not a.startswith("-"))[:3]
    return (*words, *sorted(a.split("=", 1)[0] for a in argv if a.startswith("-")))


def test_every_gcloud_command_line_of_the_scripts_parses(every_call: list[dict[str, Any]], tmp_path: Path) -> None:
    by_shape = {shape(call["argv"]): call for call in every_call}
    changing = {s[:3] for s in by_shape if {"create", "enable", "update", "add", "set-password"} & set(s[:3])}
    assert len(changing) >= 8, "every kind of change is among the calls"

    parsed = parse_each([(call["argv"], call["stdin"] or "") for call in by_shape.values()], tmp_path)
    refused = [str(result) for result in parsed if not result.well_formed]
    assert refused == []


def script_settings(catalog: Catalog, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The CLOUDSDK_* variables the scripts set for calls that carry a value, read from a rendered script."""
    render(catalog, tmp_path / "bootstrap")
    text = (tmp_path / "bootstrap" / catalog.environments[0].name / "01-setup-secrets.sh").read_text()
    body = text[text.index("change_carrying_value() {") :]
    body = body[: body.index("\n}\n")]
    return iter(re.findall(r"\b(CLOUDSDK_[A-Z_]+)=(\S+)", body))


def test_the_settings_the_scripts_use_are_real_properties_that_outrank_the_configuration(
    catalog: Catalog, tmp_path: Path
) -> None:
    settings = dict(script_settings(catalog, tmp_path))
    assert settings == {
        "CLOUDSDK_CORE_LOG_HTTP": "false",
        "CLOUDSDK_CORE_VERBOSITY": "error",
        "CLOUDSDK_CORE_DISABLE_FILE_LOGGING": "true",
    }
    config_dir = tmp_path / "gcloud-config"
    logging_everything = gcloud_logging_everything(config_dir)
    del logging_everything["CLOUDSDK_CONFIG"]
    # The configuration's properties file logs everything; the scripts' variables win over it.
    result = gcloud(["config", "list", "--format=json"], config_dir, env=settings)
    assert result.returncode == 0, result.stderr
    core = json.loads(result.stdout)["core"]
    names = ("log_http", "verbosity", "disable_file_logging")
    assert {f"CLOUDSDK_CORE_{name.upper()}": core[name] for name in names} == settings
    assert "DEBUG" not in result.stderr
    assert not (config_dir / "logs").exists()
    # The flags the scripts put last win over the variables an operator set, and over earlier flags.
    flags = ["--log-http", "--verbosity=debug", "--no-log-http", "--verbosity=error"]
    result = gcloud(["config", "list", "--format=json", *flags], config_dir, env=logging_everything)
    assert result.returncode == 0, result.stderr
    core = json.loads(result.stdout)["core"]
    assert (core["log_http"], core["verbosity"]) == ("false", "error")
