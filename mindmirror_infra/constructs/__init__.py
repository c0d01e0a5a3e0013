"""Reusable constructs: each knows one kind of infrastructure and nothing of MindMirror."""
