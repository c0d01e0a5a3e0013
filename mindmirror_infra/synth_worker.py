"""One environment's synthesis, in a process of its own (started by ``mindmirror_infra.synthesis``).

    python -O -m mindmirror_infra.synth_worker <folder> <environment>

Reads the pickled catalog from ``<folder>/catalog.pickle`` and writes cdktn's
output for that one stack into the folder. A refused catalog exits with status
3, leaving the pickled ``InvalidConfig`` in ``<folder>/refused.pickle``.
"""

from __future__ import annotations

import compileall
import pickle
import sys
import sysconfig
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


def precompile() -> list[Path]:
    """Writes the optimized bytecode of every module a worker loads from the environment or this package.

    Returns their sources. Python writes it on a worker's first run, unless
    PYTHONDONTWRITEBYTECODE is set: then every worker would compile them again
    (1.7 s, most of it the provider bindings). Only what is out of date is written.
    """
    import mindmirror_infra.app  # noqa: F401  (loads what a worker loads)

    roots = (Path(sysconfig.get_paths()["purelib"]), Path(__file__).resolve().parent)
    files = [getattr(module, "__file__", None) for module in list(sys.modules.values())]
    sources = [Path(file) for file in files if file and file.endswith(".py")]
    loaded = sorted(source for source in sources if any(source.is_relative_to(root) for root in roots))
    for source in loaded:
        compileall.compile_file(source, quiet=1, optimize=1)
    return loaded


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
