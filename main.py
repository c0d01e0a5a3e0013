"""Entry point for `cdktn synth` (cdktf.json) and `python main.py`: synthesizes every environment."""

import os
from pathlib import Path

from mindmirror_infra.catalog.mindmirror import mindmirror
from mindmirror_infra.synthesis import synthesize

if __name__ == "__main__":
    # The cdktn CLI names its output folder in CDKTF_OUTDIR.
    synthesize(mindmirror(), Path(os.environ.get("CDKTF_OUTDIR", "generated")))
