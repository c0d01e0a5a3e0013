"""Stacks: where the catalog meets the constructs, one stack per environment."""
