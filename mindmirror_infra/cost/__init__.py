"""What a synthesized stack costs a month, priced from the repository's dated price table.

``estimate_output(out_dir, env_name)`` prices one stack of any output folder:
docs/decisions/0014-cost-in-review.md.
"""

from mindmirror_infra.cost.estimate import StackEstimate, estimate_output, estimate_stack
from mindmirror_infra.cost.resources import Line

__all__ = ["Line", "StackEstimate", "estimate_output", "estimate_stack"]
