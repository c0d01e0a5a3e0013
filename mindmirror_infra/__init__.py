"""mindmirror-infra: the MindMirror platform's infrastructure, authored in Python.

The catalog describes the system; stacks compose constructs from it; synthesis
writes OpenTofu JSON that ``tofu`` applies.
"""

import os

from mindmirror_infra import node_runtime

# Before anything imports cdktn: jsii starts its Node.js then, reading this environment.
node_runtime.configure(os.environ)
