"""Random valid catalogs synthesize, and every invariant holds on what they produce."""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mindmirror_infra.catalog import (
    ENVIRONMENT_SECRET,
    Catalog,
    Database,
    Secret,
    SecretMount,
    Service,
    ServiceSettings,
    UsageAssumptions,
)
from mindmirror_infra.catalog import mindmirror as embedded
from mindmirror_infra.invariants import violations
from mindmirror_infra.layout import stack_file
from mindmirror_infra.synthesis import synthesize
from mindmirror_infra.validation import RESERVED_DATABASE_NAMES

WORD = st.text("abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    """A catalog that satisfies every rule: names legal and unique, every reference resolving."""
    instance_words = draw(st.lists(WORD, min_size=1, max_size=3, unique=True))
    databases = tuple(
        Database(
            f"{word}-db",
            tuple(
                draw(
                    st.lists(
                        st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True).filter(
                            lambda name: name not in RESERVED_DATABASE_NAMES
                        ),
                        min_size=1,
                        max_size=3,
                        unique=True,
                    )
                )
            ),
            f"{word}-database-url",
        )
        for word in instance_words
    )
    extra_secrets = draw(st.lists(WORD.map(lambda w: f"{w}-key"), max_size=3, unique=True))
    secrets = (
        *(Secret(d.url_secret, f"URL of {d.instance}") for d in databases),
        *(Secret(secret_id, "an API key") for secret_id in extra_secrets),
        Secret(ENVIRONMENT_SECRET, "the environment name"),
    )
    service_words = draw(st.lists(WORD, min_size=1, max_size=4, unique=True))
    services: list[Service] = []
    for index, word in enumerate(service_words):
        worker = index > 0 and draw(st.booleans())
        database = draw(st.none() | st.sampled_from(databases))
        mounts = [SecretMount(ENVIRONMENT_SECRET, ENVIRONMENT_SECRET)]
        if database is not None:
            mounts.append(SecretMount("database", database.url_secret))
        mounts += [
            SecretMount(f"extra{i}", s)
            for i, s in enumerate(
                draw(st.lists(st.sampled_from(extra_secrets), unique=True) if extra_secrets else st.just([]))
            )
        ]
        callers = [s.name for s in services if s.kind == "http"]
        public = not worker and draw(st.booleans())
        # Workers serve no requests, and public services check no invoker.
        closed = worker or public
        services.append(
            Service(
                f"{word}-{'worker' if worker else 'service'}",
                "worker" if worker else "http",
                None if worker else draw(st.integers(1, 65535)),
                database=database.instance if database else None,
                # Required when the instance holds several databases; else optional.
                database_name=(
                    None
                    if database is None or (len(database.databases) == 1 and draw(st.booleans()))
                    else draw(st.sampled_from(database.databases))
                ),
                secrets=tuple(mounts),
                public=public,
                critical=draw(st.booleans()),
                invokers=() if closed or not callers else tuple(draw(st.lists(st.sampled_from(callers), unique=True))),
                # Four services of ten instances fit one instance's 100 connections with one each.
                database_pool_size=1,
                redis=draw(st.booleans()),
            )
        )
    # The embedded usage assumptions and database overrides name the embedded services and instances.
    production = replace(
        embedded.PRODUCTION, services=ServiceSettings(), traffic=(), usage=UsageAssumptions(), database_overrides={}
    )
    return Catalog(
        secrets=secrets,
        databases=databases,
        services=tuple(services),
        environments=(production,),
        state_bucket="mindmirror-terraform-state",
    )


# Each example synthesizes a whole stack (a second or two), so few examples and
# no shrinking: a failure prints the catalog that failed as it was drawn.
@settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(catalogs())
def test_a_random_valid_catalog_synthesizes_and_keeps_every_invariant(catalog: Catalog) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "generated"
        synthesize(catalog, out, jobs=1)
        for env in catalog.environments:
            config = json.loads(stack_file(out, env.name).read_text())
            assert config["resource"]["google_service_account"], "the stack was synthesized"
            found = violations(config)
            assert not found, "\n".join(str(v) for v in found)
