"""mindmirror-infra: the MindMirror platform's infrastructure, authored in Python.

The catalog describes the system; stacks compose constructs from it; synthesis
writes OpenTofu JSON that ``tofu`` applies.
"""

import os
from pathlib import Path

# jsii starts the Node.js named by JSII_NODE when the first cdktn module loads.
# The repository's own Node 22 (npm package node@22) is preferred to the
# machine's, which may be past end of life (DESIGN D2); an explicit JSII_NODE wins.
_PROJECT_NODE = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "node"
if "JSII_NODE" not in os.environ and _PROJECT_NODE.exists():
    os.environ["JSII_NODE"] = str(_PROJECT_NODE)
# cdktn records a JavaScript stack trace for every token it creates (each
# reference to an attribute), only to enrich token errors; a fifth of Node's
# work in a large synthesis. Set before Node starts, as it reads its environment then.
os.environ.setdefault("CDKTN_DISABLE_CREATION_STACK", "1")
