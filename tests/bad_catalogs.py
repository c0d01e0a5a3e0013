"""Invalid catalogs for `mminfra synth --catalog tests.bad_catalogs:<name>`."""

from __future__ import annotations

from mindmirror_infra.catalog import Catalog
from tests import variants


def port_out_of_range() -> Catalog:
    return variants.with_service("agent-service", port=70000)
