"""The actions the rendered workflows use, each pinned to the full commit of a release.

A tag can be moved to other code; a commit cannot. Each commit below is the
one its release tag pointed at when read from the action's own repository
(``git rev-parse <tag>^{commit}``); the tag stays beside it as a comment, so
an update is a reviewed edit of one line here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    repository: str
    release: str
    commit: str

    @property
    def uses(self) -> str:
        """The ``uses:`` value: the commit, with the release it is, as a comment."""
        return f"{self.repository}@{self.commit} # {self.release}"


CHECKOUT = Action("actions/checkout", "v7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1")
GOOGLE_AUTH = Action("google-github-actions/auth", "v3.0.0", "7c6bc770dae815cd3e89ee6cdf493a5fab2cc093")
SETUP_GCLOUD = Action("google-github-actions/setup-gcloud", "v3.0.1", "aa5489c8933f4cc7a4f7d45035b3b1440c9c10db")
SETUP_BUILDX = Action("docker/setup-buildx-action", "v4.3.0", "37fe631027851001ddb9b187196cc803df7f5f0e")
BUILD_PUSH = Action("docker/build-push-action", "v7.3.0", "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a")
DOCKER_LOGIN = Action("docker/login-action", "v4.1.0", "4907a6ddec9925e35a0a9e82d7399ccc52663121")
SETUP_OPENTOFU = Action("opentofu/setup-opentofu", "v2.0.2", "a1320f892987e89d278cc92dc5adc984fb93aca4")

ACTIONS = {
    "checkout": CHECKOUT,
    "auth": GOOGLE_AUTH,
    "setup_gcloud": SETUP_GCLOUD,
    "setup_buildx": SETUP_BUILDX,
    "build_push": BUILD_PUSH,
    "docker_login": DOCKER_LOGIN,
    "setup_opentofu": SETUP_OPENTOFU,
}
