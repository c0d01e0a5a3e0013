"""The application repository's delivery: workflows and deploy scripts rendered from the catalog."""
