"""`make synth` keeps the README's estimates those of generated/ (mindmirror_infra/cost/readme.py)."""

from __future__ import annotations

import pytest

from mindmirror_infra.cost.readme import BEGIN, END, with_estimates


def test_the_estimates_replace_only_what_stands_between_the_markers() -> None:
    readme = f"# Title\n\n{BEGIN}| old |\n{END}\n\nAfter.\n"
    assert with_estimates(readme, "| new |\n| rows |\n") == f"# Title\n\n{BEGIN}| new |\n| rows |\n{END}\n\nAfter.\n"


@pytest.mark.parametrize("readme", ["no markers\n", f"{END}\n{BEGIN}"])
def test_a_readme_without_the_markers_in_order_is_refused(readme: str) -> None:
    with pytest.raises(ValueError, match="expected the markers"):
        with_estimates(readme, "| new |\n")


def test_no_estimates_are_refused() -> None:
    with pytest.raises(ValueError, match="got nothing"):
        with_estimates(f"{BEGIN}| old |\n{END}", "\n")
