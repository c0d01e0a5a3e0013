#!/usr/bin/env bash
# Rendered by mminfra from the catalog of mindmirror-infra. Do not edit:
# change mindmirror_infra/catalog/ there, run `make synth`, then
# `mminfra workflows install <this repository>`.
#
# Which environment a run deploys to, and whether its ref may: each
# environment deploys only from its deploy refs, the refs the deployer's trust
# admits (production: refs/heads/main, refs/tags/v*; staging: refs/heads/staging).
# Prints key=value lines for $GITHUB_OUTPUT; a ref that may not deploy to the
# environment exits 2 before anything is built.
#
# Environment:
#   EVENT        github.event_name
#   REF          github.ref (refs/heads/<branch> or refs/tags/<tag>)
#   SHA          github.sha
#   ENVIRONMENT  the environment asked for (manual runs); empty: from REF
#   SERVICE      one workload (manual runs); empty or "all": every workload
set -euo pipefail

die() {
  echo "error: $*" >&2
  exit 2
}

ref=${REF:?REF: expected github.ref}
sha=${SHA:?SHA: expected github.sha}
[[ "$sha" =~ ^[0-9a-f]{40}$ ]] || die "SHA '$sha': expected a full commit id"
environment=${ENVIRONMENT:-}

if [[ -z "$environment" ]]; then
  case "$ref" in
    refs/heads/main) environment=production ;;
    refs/tags/v*) environment=production ;;
    refs/heads/staging) environment=staging ;;
    *) die "$ref deploys to no environment (event ${EVENT:-unknown})" ;;
  esac
fi

allowed() {
  case "$environment:$ref" in
    production:refs/heads/main) return 0 ;;
    production:refs/tags/v*) return 0 ;;
    staging:refs/heads/staging) return 0 ;;
  esac
  return 1
}

case "$environment" in
  production)
    project=mindmirror-prod
    region=us-central1
    registry=us-central1-docker.pkg.dev/mindmirror-prod/services
    deployer=github-deployer@mindmirror-prod.iam.gserviceaccount.com
    github_environment=production
    ;;
  staging)
    project=mindmirror-staging
    region=us-central1
    registry=us-central1-docker.pkg.dev/mindmirror-staging/services
    deployer=github-deployer@mindmirror-staging.iam.gserviceaccount.com
    github_environment=staging
    ;;
  *) die "environment '$environment': expected one of production, staging" ;;
esac
allowed || die "$ref may not deploy to $environment"

only=${SERVICE:-}
case "$only" in
  "" | all) only="" ;;
  agent-service) ;;
  journal-service) ;;
  habits-service) ;;
  meals-service) ;;
  movements-service) ;;
  practices-service) ;;
  users-service) ;;
  mesh-gateway) ;;
  web-app) ;;
  celery-worker) ;;
  *) die "service '$only': expected all or one of agent-service, journal-service, habits-service, meals-service, movements-service, practices-service, users-service, mesh-gateway, web-app, celery-worker" ;;
esac

# The image tag of this run: the release on a tag, <branch>-<commit> on a branch.
if [[ "$ref" == refs/tags/* ]]; then
  version=${ref#refs/tags/}
else
  version="${ref#refs/heads/}-$sha"
fi
# Docker's rule for a tag: https://docs.docker.com/reference/cli/docker/image/tag/
[[ "$version" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] || die "$ref: '$version' is no image tag"

cat <<EOF
environment=$environment
github_environment=$github_environment
project=$project
region=$region
registry=$registry
deployer=$deployer
only=$only
version=$version
EOF
