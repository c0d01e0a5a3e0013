"""What the deploy workflow needs of the stacks beyond what they grant for deploying."""

from __future__ import annotations

from mindmirror_infra.catalog import DEPLOYER_ACCOUNT_ID, Catalog
from tests.synth import Config


def test_the_deployer_mints_identity_tokens_as_itself_only_to_check_private_services(
    catalog: Catalog, stacks: dict[str, Config]
) -> None:
    assert any(s.kind == "http" and not s.public for s in catalog.services)
    for env in catalog.environments:
        table = stacks[env.name]["resource"]["google_service_account_iam_member"]["identity_token_grants"]
        assert table["role"] == "roles/iam.serviceAccountOpenIdTokenCreator"
        deployer = f"${{google_service_account.{DEPLOYER_ACCOUNT_ID.replace('-', '_')}.email}}"
        assert table["for_each"] == {
            f"{DEPLOYER_ACCOUNT_ID}/{DEPLOYER_ACCOUNT_ID}": {
                "member": f"serviceAccount:{deployer}",
                "service_account_id": f"projects/{env.project_id}/serviceAccounts/{deployer}",
            }
        }
