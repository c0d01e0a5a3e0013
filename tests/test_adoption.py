"""The stacks adopt what the bootstrap scripts create, with OpenTofu import blocks.

See docs/decisions/0006-bootstrap-then-import.md.
"""

from __future__ import annotations

import json

import cdktn
import pytest

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.catalog.apis import REQUIRED_APIS
from mindmirror_infra.constructs.project_apis import ProjectApis, ProjectApisProps
from mindmirror_infra.constructs.secret import Secret, SecretProps
from tests.synth import Config

ENVS = ["production", "staging"]
ADOPTED_TYPES = ("google_project_service", "google_secret_manager_secret")


def imports_of(config: Config, resource_type: str) -> dict[str, str]:
    return {i["to"]: i["id"] for i in config.get("import", []) if i["to"].startswith(f"{resource_type}.")}


@pytest.mark.parametrize("env", ENVS)
def test_every_api_is_adopted_by_project_and_service(stacks: dict[str, Config], env: str, catalog: Catalog) -> None:
    project = catalog.environment(env).project_id
    assert imports_of(stacks[env], "google_project_service") == {
        f"google_project_service.{api.removesuffix('.googleapis.com')}": f"{project}/{api}" for api in REQUIRED_APIS
    }


@pytest.mark.parametrize("env", ENVS)
def test_every_secret_container_is_adopted_by_its_full_name(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    project = catalog.environment(env).project_id
    assert imports_of(stacks[env], "google_secret_manager_secret") == {
        f"google_secret_manager_secret.{s.id.replace('-', '_')}": f"projects/{project}/secrets/{s.id}"
        for s in catalog.secrets
    }


@pytest.mark.parametrize("env", ENVS)
def test_every_import_is_unique_and_points_at_a_declared_resource(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    imports = stacks[env]["import"]
    targets = [i["to"] for i in imports]
    assert len(targets) == len(set(targets))
    assert len({i["id"] for i in imports}) == len(imports)
    resources = stacks[env]["resource"]
    for target in targets:
        kind, name = target.split(".")
        assert name in resources.get(kind, {}), target
    assert sum(t.startswith(ADOPTED_TYPES) for t in targets) == len(REQUIRED_APIS) + len(catalog.secrets)


@pytest.mark.parametrize("env", ENVS)
def test_the_state_bucket_is_in_no_state(stacks: dict[str, Config], env: str, catalog: Catalog) -> None:
    text = json.dumps({k: v for k, v in stacks[env].items() if k != "terraform"})
    assert catalog.state_bucket not in text


def synth_one(build: type[ProjectApis] | type[Secret], props: ProjectApisProps | SecretProps) -> Config:
    stack = cdktn.TerraformStack(cdktn.Testing.app(), "test")
    build(stack, "subject", props)  # type: ignore[arg-type]
    config: Config = json.loads(cdktn.Testing.synth(stack))
    return config


def test_adoption_can_be_turned_off() -> None:
    apis = synth_one(ProjectApis, ProjectApisProps("p-123456", ["run.googleapis.com"], adopt_existing=False))
    secret = synth_one(Secret, SecretProps("p-123456", "token", adopt_existing=False))
    assert "import" not in apis
    assert "import" not in secret
    assert synth_one(Secret, SecretProps("p-123456", "token"))["import"] == [
        {"id": "projects/p-123456/secrets/token", "to": "google_secret_manager_secret.token"}
    ]
