"""The GitHub repository whose workflows deploy, named as GitHub's OIDC tokens name it."""

from __future__ import annotations

from dataclasses import dataclass

from mindmirror_infra import validation as rules

# GitHub's REST API gives ids as integers; they outgrew 32 bits, so a 64-bit range.
# https://docs.github.com/en/rest/repos/repos#get-a-repository
MAX_GITHUB_ID = 2**63 - 1


@dataclass(frozen=True)
class GitHubRepository:
    """A repository as the claims of its workflows' OIDC tokens identify it.

    Attributes:
        name: ``owner/name``, the ``repository`` claim. A rename or a transfer
            changes it, and a freed name can be taken by anyone.
        id: the ``repository_id`` claim, the number GitHub gave the repository;
            never reused. ``gh api repos/OWNER/NAME --jq .id`` prints it.
        owner_id: the ``repository_owner_id`` claim, the number of the user or
            organization that owns it. ``gh api repos/OWNER/NAME --jq .owner.id``.

    Claims: https://docs.github.com/en/actions/reference/security/oidc
    """

    name: str
    id: int
    owner_id: int

    def validate(self, where: str) -> None:
        rules.check_name(f"{where}.name", self.name, rules.GITHUB_REPOSITORY)
        rules.check_int(f"{where}.id", self.id, 1, MAX_GITHUB_ID)
        rules.check_int(f"{where}.owner_id", self.owner_id, 1, MAX_GITHUB_ID)
