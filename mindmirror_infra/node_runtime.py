"""The Node.js that jsii starts for cdktn: which one, and how it loads the Google provider.

jsii starts Node.js when the first cdktn module is imported, handing it this
process's environment, so the package's ``__init__`` calls ``configure`` before
anything imports cdktn. Processes started from here inherit the same settings.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path

PROJECT_NODE = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "node"
ON_DEMAND_LOADER = Path(__file__).resolve().with_name("load_provider_on_demand.cjs")


def configure(environ: MutableMapping[str, str]) -> None:
    """Writes into ``environ`` what jsii's Node.js reads as it starts.

    - ``JSII_NODE``: the repository's own Node 22 (npm package node@22), not the
      machine's, which may be past end of life (docs/decisions/0002-node-22-from-npm.md). An explicit value wins.
    - ``CDKTN_DISABLE_CREATION_STACK=1``: cdktn would otherwise record a JavaScript
      stack trace for every token it creates (each reference to an attribute),
      only to enrich token errors; a fifth of Node's work in a large synthesis.
      An explicit value wins.
    - ``NODE_OPTIONS`` gains the on-demand loader, whatever else it holds: Node.js
      then compiles the few dozen provider submodules the stacks use, not all
      1,854 (see ``load_provider_on_demand.cjs``). The output is the same.
    """
    if "JSII_NODE" not in environ and PROJECT_NODE.exists():
        environ["JSII_NODE"] = str(PROJECT_NODE)
    environ.setdefault("CDKTN_DISABLE_CREATION_STACK", "1")
    environ["NODE_OPTIONS"] = with_on_demand_loader(environ.get("NODE_OPTIONS", ""))


def require_option(script: Path) -> str:
    """The NODE_OPTIONS entry that preloads ``script``, quoted as Node.js reads a path with spaces."""
    escaped = str(script).replace("\\", "\\\\").replace('"', '\\"')
    return f'--require "{escaped}"'


def with_on_demand_loader(node_options: str) -> str:
    """NODE_OPTIONS ``node_options`` with the on-demand loader added, once (a worker inherits it from its parent)."""
    loader = require_option(ON_DEMAND_LOADER)
    return node_options if loader in node_options else f"{node_options} {loader}".strip()


def without_on_demand_loader(node_options: str) -> str:
    """NODE_OPTIONS ``node_options`` without the on-demand loader: Node.js loads the provider whole."""
    return node_options.replace(require_option(ON_DEMAND_LOADER), "").strip()
