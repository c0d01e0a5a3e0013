"""The Node.js that jsii starts: its settings, and the provider loaded one submodule at a time."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import tarfile
from pathlib import Path

import pytest

from mindmirror_infra import node_runtime

SUBMODULE_LINE = re.compile(r'^exports\.(\w+) = __importStar\(require\("\./([\w-]+)/index"\)\);$', re.MULTILINE)
# Requires the provider as jsii does, then reads one submodule twice.
READ_ONE_SUBMODULE = """
globalThis.loadedSubmodules = [];
const provider = require("@cdktn/provider-google");
const atLoad = [...globalThis.loadedSubmodules];
const first = provider.cloudRunV2Service;
const again = provider.cloudRunV2Service;
console.log(JSON.stringify({
  atLoad,
  exported: Object.keys(provider).sort(),
  marker: first.Marker,
  same: first === again,
  loaded: globalThis.loadedSubmodules,
}));
"""


def pinned_provider_index() -> str:
    """lib/index.js of the provider release the project pins, read from the bindings' own package."""
    spec = importlib.util.find_spec("cdktn_provider_google")
    assert spec is not None
    assert spec.submodule_search_locations
    (package,) = Path(spec.submodule_search_locations[0], "_jsii").glob("*.jsii.tgz")
    with tarfile.open(package) as archive:
        index = archive.extractfile("package/lib/index.js")
        assert index is not None
        return index.read().decode()


@pytest.fixture(scope="module")
def provider_shaped_package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The pinned provider's real index beside stand-in submodules that record being loaded.

    Returns the folder to run Node.js in and each exported name's submodule folder.
    """
    root = tmp_path_factory.mktemp("provider")
    lib = root / "node_modules" / "@cdktn" / "provider-google" / "lib"
    lib.mkdir(parents=True)
    (lib.parent / "package.json").write_text(json.dumps({"name": "@cdktn/provider-google", "main": "lib/index.js"}))
    index = pinned_provider_index()
    (lib / "index.js").write_text(index)
    submodules = dict(SUBMODULE_LINE.findall(index))
    for folder in submodules.values():
        (lib / folder).mkdir()
        (lib / folder / "index.js").write_text(
            f"globalThis.loadedSubmodules.push({folder!r});\nexports.Marker = {folder!r};\n"
        )
    return root, submodules


def read_one_submodule(folder: Path, node_options: str) -> dict[str, object]:
    env = {**os.environ, "NODE_OPTIONS": node_options}
    ran = subprocess.run(
        [str(node_runtime.PROJECT_NODE), "-e", READ_ONE_SUBMODULE],
        cwd=folder,
        env=env,
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
    read = read_one_submodule(folder, node_runtime.loading_on_demand(""))
    assert read == {
        "atLoad": [],
        "exported": sorted(submodules),
        "marker": "cloud-run-v2-service",
        "same": True,
        "loaded": ["cloud-run-v2-service"],
    }


def test_without_the_loader_the_provider_loads_every_submodule_at_once(
    provider_shaped_package: tuple[Path, dict[str, str]],
) -> None:
    folder, submodules = provider_shaped_package
    read = read_one_submodule(folder, node_runtime.loading_whole(node_runtime.loading_on_demand("")))
    assert read["atLoad"] == list(submodules.values())
    assert read["marker"] == "cloud-run-v2-service"


def test_configure_adds_the_loader_once_and_keeps_what_is_set() -> None:
    environ = {"JSII_NODE": "/opt/node/bin/node", "NODE_OPTIONS": "--max-old-space-size=8192"}
    node_runtime.configure(environ)
    node_runtime.configure(environ)  # a worker configures again what it inherited
    assert environ == {
        "JSII_NODE": "/opt/node/bin/node",
        "CDKTN_DISABLE_CREATION_STACK": "1",
        "NODE_OPTIONS": f'--max-old-space-size=8192 --require "{node_runtime.ON_DEMAND_LOADER}"',
    }
    assert node_runtime.loading_whole(environ["NODE_OPTIONS"]) == "--max-old-space-size=8192"


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
    env = {**os.environ, "NODE_OPTIONS": node_runtime.requiring(script)}
    ran = subprocess.run(
        [str(node_runtime.PROJECT_NODE), "-e", 'console.log("ran")'],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (ran.returncode, ran.stdout) == (0, "preloaded ran\n"), ran.stderr


def test_this_process_loads_the_provider_on_demand() -> None:
    """The suite's own cdktn runs with the loader: the package configured it on import."""
    assert node_runtime.requiring(node_runtime.ON_DEMAND_LOADER) in os.environ["NODE_OPTIONS"]
