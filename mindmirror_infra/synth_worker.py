"""One environment's synthesis, in a process of its own (started by ``mindmirror_infra.synthesis``).

    python -m mindmirror_infra.synth_worker <folder> <environment>

Reads the pickled catalog from ``<folder>/catalog.pickle`` and writes cdktn's
output for that one stack into the folder. A refused catalog exits with status
3, leaving the pickled ``InvalidConfig`` in ``<folder>/refused.pickle``.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from mindmirror_infra.errors import InvalidConfig
from mindmirror_infra.synthesis import CATALOG_FILE, REFUSED_FILE, WORKER_REFUSED, pickled


def main(folder: Path, env_name: str) -> int:
    catalog = pickle.loads((folder / CATALOG_FILE).read_bytes())
    from mindmirror_infra.app import build_app, synth_checked  # starts the jsii runtime

    try:
        synth_checked(build_app(catalog, folder, [env_name]))
    except InvalidConfig as refused:
        try:
            refusal = pickled(refused)
        except (pickle.PicklingError, TypeError, AttributeError):
            refusal = pickled(InvalidConfig(refused.field, repr(refused.value), refused.allowed))
        (folder / REFUSED_FILE).write_bytes(refusal)
        return WORKER_REFUSED
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
