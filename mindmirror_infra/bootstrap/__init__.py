"""Bootstrap: the gcloud scripts that prepare a project for its first apply (DESIGN D6)."""
