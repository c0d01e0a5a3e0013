"""`mminfra diff` on real commits of a temporary git repository, and its refusals."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mindmirror_infra.cli import main
from mindmirror_infra.cost.estimate import estimate_output
from mindmirror_infra.layout import stack_file
from mindmirror_infra.review import sources
from mindmirror_infra.review.cost_change import cost_changes
from tests.synth import Config

GIT_IDENTITY = ["-c", "user.name=Reviewer", "-c", "user.email=reviewer@example.com"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def diff(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["diff", "--dir", str(repo / "generated"), *args])


def edit_stack(repo: Path, env: str, config: Config) -> None:
    stack_file(repo / "generated", env).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


@pytest.fixture
def repo(tmp_path: Path, fresh_out: Path) -> Path:
    """A repository whose ``main`` holds the session's synthesized output, and a branch off it."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    shutil.copytree(fresh_out, root / "generated")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "main")
    git(root, "checkout", "-q", "-b", "change")
    return root


def without_first_database(config: Config) -> tuple[Config, str]:
    kind = "google_sql_database_instance"
    name = sorted(config["resource"][kind])[0]
    changed = copy.deepcopy(config)
    del changed["resource"][kind][name]
    return changed, f"{kind}.{name}"


def test_commits_on_a_branch_are_read_against_the_merge_base_with_main(repo: Path, stacks: dict[str, Config]) -> None:
    env = sorted(stacks)[0]
    changed, address = without_first_database(stacks[env])
    edit_stack(repo, env, changed)
    git(repo, "commit", "-q", "-am", "drop a database")
    git(repo, "commit", "-q", "--allow-empty", "-m", "later work")
    merge_base = git(repo, "rev-parse", "--short", "main")

    result = diff(repo)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"mminfra diff {merge_base} -> ")
    assert f"!! STATEFUL destroy  {address}" in result.output
    for other in sorted(stacks.keys() - {env}):
        assert f"\n{other}: no changes\n" in result.output

    gated = diff(repo, "--fail-on", "stateful")
    assert gated.exit_code == 1
    assert f"--fail-on stateful: {env}: {address}" in gated.stderr

    assert diff(repo, "--base", "HEAD").output.count("no changes") == len(stacks), "HEAD holds the change already"


def test_without_main_the_base_is_head_and_the_work_tree_is_compared(repo: Path, stacks: dict[str, Config]) -> None:
    git(repo, "branch", "-q", "-m", "main", "trunk")
    env = sorted(stacks)[-1]
    changed, address = without_first_database(stacks[env])
    edit_stack(repo, env, changed)
    head = git(repo, "rev-parse", "--short", "HEAD")

    result = diff(repo, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["base"] == head
    (change,) = document["stacks"][env]["resources"]
    assert (change["action"], change["address"], change["stateful"]) == ("destroy", address, True)


def test_two_folders_are_compared_as_given(fresh_out: Path, stacks: dict[str, Config], tmp_path: Path) -> None:
    env = sorted(stacks)[0]
    other = tmp_path / "other"
    shutil.copytree(fresh_out, other)
    changed, address = without_first_database(stacks[env])
    stack_file(other, env).write_text(json.dumps(changed))
    result = CliRunner().invoke(
        main, ["diff", str(fresh_out), str(other), "--format", "markdown", "--fail-on", "destroy"]
    )
    assert result.exit_code == 1
    assert f"| **destroy** | `{address}` |" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--base", "no-such-ref"],
            "error: --base: 'no-such-ref' is not allowed; expected a git ref that names a commit",
        ),
        (["only-one"], "expected none or two output folders (OLD NEW)"),
        (["a", "b", "--base", "HEAD"], "error: --base: 'HEAD' is not allowed with two folders"),
        (["missing-a", "missing-b"], "error: folders: 'missing-a' is not a folder"),
    ],
)
def test_bad_arguments_exit_2_with_one_message(repo: Path, args: list[str], message: str) -> None:
    result = diff(repo, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_a_folder_outside_git_is_refused(fresh_out: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(fresh_out, outside)
    result = CliRunner().invoke(main, ["diff", "--dir", str(outside), "--base", "HEAD"])
    assert result.exit_code == 2
    assert f"error: --dir: {str(outside)!r} is not allowed; expected a folder inside a git repository" in result.stderr


def test_the_base_side_is_the_stacks_folder_as_committed_file_for_file(repo: Path, tmp_path: Path) -> None:
    stacks = repo / "generated" / "stacks"
    committed = {p.relative_to(stacks): p.read_bytes() for p in sorted(stacks.rglob("*")) if p.is_file()}
    for path in stacks.glob("*/cdk.tf.json"):
        path.write_text("{}")  # the work tree differs; the ref does not
    base = tmp_path / "base"
    assert sources.write_ref(repo / "generated", "HEAD", base) == git(repo, "rev-parse", "--short", "HEAD")
    written = base / "stacks"
    assert {p.relative_to(written): p.read_bytes() for p in sorted(written.rglob("*")) if p.is_file()} == committed


def test_each_stack_shows_its_monthly_cost_change_in_every_format(
    fresh_out: Path, stacks: dict[str, Config], tmp_path: Path
) -> None:
    env = sorted(stacks)[0]
    other = tmp_path / "other"
    shutil.copytree(fresh_out, other)
    changed, _ = without_first_database(stacks[env])
    stack_file(other, env).write_text(json.dumps(changed))
    before, after = (estimate_output(folder, env).total_usd for folder in (fresh_out, other))
    assert after < before
    delta = f"-${before - after:,.2f}"

    text = CliRunner().invoke(main, ["diff", str(fresh_out), str(other)]).output
    assert f"{env}: " in text
    assert f"\n  monthly cost: ${before:,.2f} -> ${after:,.2f} ({delta})\n" in text
    for unchanged in sorted(stacks.keys() - {env}):
        same = estimate_output(fresh_out, unchanged).total_usd
        assert f"\n  monthly cost: ${same:,.2f} -> ${same:,.2f} (+$0.00)\n" in text
    markdown = CliRunner().invoke(main, ["diff", str(fresh_out), str(other), "--format", "markdown"]).output
    assert f"Monthly cost: **${before:,.2f} → ${after:,.2f} ({delta})**" in markdown
    document = json.loads(CliRunner().invoke(main, ["diff", str(fresh_out), str(other), "--format", "json"]).output)
    assert document["stacks"][env]["monthly_cost"] == {
        "before_usd": round(before, 2),
        "after_usd": round(after, 2),
        "delta_usd": round(after - before, 2),
    }


def test_a_stack_on_one_side_only_costs_nothing_on_the_other(fresh_out: Path, tmp_path: Path) -> None:
    env = sorted(p.name for p in (fresh_out / "stacks").iterdir())[0]
    (change,) = cost_changes(tmp_path / "empty", fresh_out, [env]).values()
    assert (change.before_usd, change.after_usd) == (0.0, estimate_output(fresh_out, env).total_usd)


def test_a_side_the_estimate_cannot_price_is_shown_as_unknown(fresh_out: Path, tmp_path: Path) -> None:
    env = sorted(p.name for p in (fresh_out / "stacks").iterdir())[0]
    other = tmp_path / "other"
    shutil.copytree(fresh_out, other)
    config = json.loads(stack_file(other, env).read_text())
    config["resource"]["google_unheard_of"] = {"thing": {"name": "x"}}
    stack_file(other, env).write_text(json.dumps(config))
    (change,) = cost_changes(fresh_out, other, [env]).values()
    assert change.after_usd is None
    assert change.delta_usd is None
    assert change.unknown is not None
    assert change.unknown.startswith("google_unheard_of.thing: resource type google_unheard_of is neither priced")
    text = CliRunner().invoke(main, ["diff", str(fresh_out), str(other)]).output
    assert f"\n  monthly cost: unknown: {change.unknown}\n" in text
