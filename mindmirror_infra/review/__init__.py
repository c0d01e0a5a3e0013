"""Plan-free review: what a change to the synthesized stacks creates, changes and destroys.

Compares two output folders stack by stack, without credentials or a live
project (docs/decisions/0017-plan-free-review.md): ``sources`` finds the
folders, ``changes`` compares them, ``force_new`` says which attribute changes
replace a resource, ``render`` writes the result for a terminal, a GitHub job
summary or a machine.
"""
