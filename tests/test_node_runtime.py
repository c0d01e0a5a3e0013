"""The Node.js that jsii starts: its settings, and the Google provider loaded one submodule at a time."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from mindmirror_infra import node_runtime
from mindmirror_infra.layout import stack_file

REPO = Path(__file__).resolve().parent.parent
SUBMODULE_LINE = re.compile(r'^exports\.(\w+) = __importStar\(require\("\./([\w-]+)/index"\)\);$', re.MULTILINE)
# Requires the provider as jsii's kernel does, then reads one submodule twice. The names are
# own properties either way; the lazy index's getters are not enumerable.
READ_ONE_SUBMODULE = """
globalThis.loadedSubmodules = [];
const provider = require(require.resolve("@cdktn/provider-google"));
const atLoad = [...globalThis.loadedSubmodules];
const first = provider.cloudRunV2Service;
const again = provider.cloudRunV2Service;
console.log(JSON.stringify({
  atLoad,
  names: Object.getOwnPropertyNames(provider).filter((name) => name !== "__esModule").sort(),
  marker: first.Marker,
  same: first === again,
  loaded: globalThis.loadedSubmodules,
}));
"""
# Preloaded after the loader: as each Node.js ends, how many provider files it compiled.
COUNT_PROVIDER_FILES = """
process.on("exit", () => {
  const compiled = Object.keys(require.cache).filter((file) => file.includes("/@cdktn/provider-google/"));
  require("node:fs").appendFileSync(process.env.PROVIDER_FILES_COUNTED, `${compiled.length}\\n`);
});
"""
# One environment's synthesis in this process, the provider loaded as argv[2] says.
SYNTHESIZE_STAGING = """
import os, sys
from pathlib import Path

from mindmirror_infra import node_runtime

if sys.argv[2] == "whole":
    os.environ["NODE_OPTIONS"] = node_runtime.without_on_demand_loader(os.environ["NODE_OPTIONS"])
os.environ["NODE_OPTIONS"] += " " + node_runtime.require_option(Path(sys.argv[3]))

from mindmirror_infra.catalog.mindmirror import mindmirror
from mindmirror_infra.synthesis import synthesize

synthesize(mindmirror(), Path(sys.argv[1]), ["staging"], jobs=1)
"""


def pinned_provider_files(*names: str) -> list[str]:
    """Files of lib/ in the provider release the project pins, read from the bindings' own package."""
    spec = importlib.util.find_spec("cdktn_provider_google")
    assert spec is not None
    assert spec.submodule_search_locations
    (package,) = Path(spec.submodule_search_locations[0], "_jsii").glob("*.jsii.tgz")
    with tarfile.open(package) as archive:
        members = [archive.extractfile(f"package/lib/{name}") for name in names]
        return [member.read().decode() for member in members if member]


@pytest.fixture(scope="module")
def provider_shaped_package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The pinned provider's real index and lazy index beside stand-in submodules that record being loaded.

    Returns the folder to run Node.js in and each submodule's folder by its exported name.
    """
    root = tmp_path_factory.mktemp("provider")
    lib = root / "node_modules" / "@cdktn" / "provider-google" / "lib"
    lib.mkdir(parents=True)
    (lib.parent / "package.json").write_text(json.dumps({"name": "@cdktn/provider-google", "main": "lib/index.js"}))
    index, lazy_index = pinned_provider_files("index.js", "lazy-index.js")
    (lib / "index.js").write_text(index)
    (lib / "lazy-index.js").write_text(lazy_index)
    submodules = dict(SUBMODULE_LINE.findall(index))
    for folder in submodules.values():
        (lib / folder).mkdir()
        (lib / folder / "index.js").write_text(
            f"globalThis.loadedSubmodules.push({folder!r});\nexports.__esModule = true;\nexports.Marker = {folder!r};\n"
        )
    return root, submodules


def read_one_submodule(folder: Path, node_options: str) -> dict[str, object]:
    ran = subprocess.run(
        [str(node_runtime.PROJECT_NODE), "-e", READ_ONE_SUBMODULE],
        cwd=folder,
        env={**os.environ, "NODE_OPTIONS": node_options},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(ran.stdout)
    return result


def test_the_provider_loads_each_submodule_when_it_is_first_read(
    provider_shaped_package: tuple[Path, dict[str, str]],
) -> None:
    folder, submodules = provider_shaped_package
    assert len(submodules) == 1854, "the pinned release's index, one line per submodule"
    read = read_one_submodule(folder, node_runtime.with_on_demand_loader(""))
    assert read == {
        "atLoad": [],
        "names": sorted(submodules),
        "marker": "cloud-run-v2-service",
        "same": True,
        "loaded": ["cloud-run-v2-service"],
    }


def test_without_the_loader_the_provider_loads_every_submodule_at_once(
    provider_shaped_package: tuple[Path, dict[str, str]],
) -> None:
    folder, submodules = provider_shaped_package
    read = read_one_submodule(folder, node_runtime.without_on_demand_loader(node_runtime.with_on_demand_loader("")))
    assert read["atLoad"] == list(submodules.values())
    assert read["marker"] == "cloud-run-v2-service"


@pytest.fixture(scope="module")
def staging_loaded_both_ways(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, int]]:
    """The staging stack synthesized through jsii with the provider loaded whole and on demand.

    Each way gives the stack's bytes and the most provider files one Node.js compiled.
    """
    root = tmp_path_factory.mktemp("loading")
    counter = root / "count-provider-files.cjs"
    counter.write_text(COUNT_PROVIDER_FILES)
    ways = ("whole", "on-demand")
    # Side by side: the whole load alone is about five seconds of one CPU.
    running = [
        subprocess.Popen(
            [sys.executable, "-c", SYNTHESIZE_STAGING, str(root / loading), loading, str(counter)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), "PROVIDER_FILES_COUNTED": str(root / f"{loading}.counted")},
        )
        for loading in ways
    ]
    assert [process.wait() for process in running] == [0, 0]
    return {
        loading: (
            stack_file(root / loading, "staging").read_bytes(),
            max(int(line) for line in (root / f"{loading}.counted").read_text().split()),
        )
        for loading in ways
    }


def test_loaded_on_demand_the_provider_compiles_only_the_submodules_the_stacks_use(
    staging_loaded_both_ways: dict[str, tuple[bytes, int]],
) -> None:
    (_, whole), (_, on_demand) = staging_loaded_both_ways["whole"], staging_loaded_both_ways["on-demand"]
    assert whole > 1854, "every submodule and the index"
    assert on_demand < 60, "the lazy index and the few dozen submodules the stacks use"


def test_the_stack_is_the_same_whichever_way_the_provider_loads(
    staging_loaded_both_ways: dict[str, tuple[bytes, int]],
) -> None:
    (whole, _), (on_demand, _) = staging_loaded_both_ways["whole"], staging_loaded_both_ways["on-demand"]
    assert on_demand == whole


def test_configure_adds_the_loader_once_and_keeps_what_is_set() -> None:
    environ = {"JSII_NODE": "/opt/node/bin/node", "NODE_OPTIONS": "--max-old-space-size=8192"}
    node_runtime.configure(environ)
    node_runtime.configure(environ)  # a worker configures again what it inherited
    assert environ == {
        "JSII_NODE": "/opt/node/bin/node",
        "CDKTN_DISABLE_CREATION_STACK": "1",
        "NODE_OPTIONS": f'--max-old-space-size=8192 --require "{node_runtime.ON_DEMAND_LOADER}"',
    }
    assert node_runtime.without_on_demand_loader(environ["NODE_OPTIONS"]) == "--max-old-space-size=8192"


def test_configure_defaults_to_the_projects_node_and_no_creation_stacks() -> None:
    environ: dict[str, str] = {}
    node_runtime.configure(environ)
    assert environ == {
        "JSII_NODE": str(node_runtime.PROJECT_NODE),
        "CDKTN_DISABLE_CREATION_STACK": "1",
        "NODE_OPTIONS": f'--require "{node_runtime.ON_DEMAND_LOADER}"',
    }


def test_a_preloaded_script_may_have_spaces_and_quotes_in_its_path(tmp_path: Path) -> None:
    script = tmp_path / 'a "quoted" folder' / "preload.cjs"
    script.parent.mkdir()
    script.write_text('process.stdout.write("preloaded ");\n')
    ran = subprocess.run(
        [str(node_runtime.PROJECT_NODE), "-e", 'console.log("ran")'],
        env={**os.environ, "NODE_OPTIONS": node_runtime.require_option(script)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (ran.returncode, ran.stdout) == (0, "preloaded ran\n"), ran.stderr
