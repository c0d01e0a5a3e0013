"""Bootstrap: the gcloud scripts that prepare a project for its first apply.

See docs/decisions/0006-bootstrap-then-import.md.
"""
