#!/usr/bin/env bash
# Rendered by mminfra from the catalog of mindmirror-infra. Do not edit:
# change mindmirror_infra/catalog/ there, run `make synth`, then
# `mminfra workflows install <this repository>`.
#
# Puts an earlier image back into one workload, the way the stacks keep it: a
# new revision running that image by digest, which the next `tofu apply`
# leaves alone (docs/decisions/0010-rollback-by-digest.md). Never a traffic
# change: the stacks send all traffic to the latest revision, and an apply
# would send it there again.
#
# Environment:
#   ENVIRONMENT  one of production, staging
#   SERVICE      the workload
#   TARGET       previous (the image before the one running now), sha256:<digest>, or an image tag
set -euo pipefail

die() {
  local code=$1
  shift
  echo "error: $*" >&2
  exit "$code"
}

# The environments, from the catalog.
select_environment() {
  case "$1" in
    production)
      project=mindmirror-prod
      region=us-central1
      registry=us-central1-docker.pkg.dev/mindmirror-prod/services
      deployer=github-deployer@mindmirror-prod.iam.gserviceaccount.com
      where=(--region="$region" --project="$project")
      ;;
    staging)
      project=mindmirror-staging
      region=us-central1
      registry=us-central1-docker.pkg.dev/mindmirror-staging/services
      deployer=github-deployer@mindmirror-staging.iam.gserviceaccount.com
      where=(--region="$region" --project="$project")
      ;;
    *) die 2 "environment '$1': expected one of production, staging" ;;
  esac
}

# The workloads, from the catalog: kind, health path, private or public,
# smoke command and migration job.
declare -A KIND=([agent-service]=service [journal-service]=service [habits-service]=service [meals-service]=service [movements-service]=service [practices-service]=service [users-service]=service [mesh-gateway]=service [web-app]=service [celery-worker]=worker-pool)
declare -A HEALTH_PATH=([agent-service]=/health [journal-service]=/health [habits-service]=/health [meals-service]=/health [movements-service]=/health [practices-service]=/health [users-service]=/health [mesh-gateway]=/health [web-app]=/health [celery-worker]='')
declare -A PRIVATE=([agent-service]=yes [journal-service]=yes [habits-service]=yes [meals-service]=yes [movements-service]=yes [practices-service]=yes [users-service]=yes [mesh-gateway]=no [web-app]=no [celery-worker]=no)
declare -A SMOKE=([agent-service]='' [journal-service]='' [habits-service]='' [meals-service]='' [movements-service]='' [practices-service]='' [users-service]='' [mesh-gateway]='' [web-app]='' [celery-worker]='')
# shellcheck disable=SC2034 # rollback.sh migrates nothing
declare -A MIGRATION_JOB=([agent-service]=migrate-main [journal-service]=migrate-main [habits-service]=migrate-main [meals-service]=migrate-main [movements-service]=migrate-movements [practices-service]=migrate-practices [users-service]=migrate-users [mesh-gateway]='' [web-app]='' [celery-worker]=migrate-main)
WORKLOADS=(agent-service journal-service habits-service meals-service movements-service practices-service users-service mesh-gateway web-app celery-worker)

check_workload() {
  [[ -n "${KIND[$1]+set}" ]] || die 2 "service '$1': expected one of ${WORKLOADS[*]}"
}

# The image the workload's template runs now: what a new revision would run.
current_image() {
  local name=$1
  if [[ "${KIND[$name]}" == service ]]; then
    gcloud run services describe "$name" "${where[@]}" --format='value(spec.template.spec.containers[0].image)'
  else
    gcloud beta run worker-pools describe "$name" "${where[@]}" --format='value(spec.template.spec.containers[0].image)'
  fi
}

# IMAGE pinned to its digest: a tag (the first deploy's <env>-latest) is
# resolved now, so a later push of that tag cannot change what a rollback runs.
pinned() {
  local image=$1 digest
  if [[ "$image" == *@sha256:* ]]; then
    echo "$image"
    return
  fi
  digest=$(gcloud artifacts docker images describe "$image" --format='value(image_summary.digest)')
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die 1 "cannot resolve $image to a digest"
  echo "${image%:*}@$digest"
}

# Deploys IMAGE (by digest) and nothing else: the stacks own the account,
# secrets, variables, scaling, ingress and IAM (docs/decisions/0008-ci-deploys-not-reverted.md).
deploy_image() {
  local name=$1 image=$2
  [[ "$image" == *@sha256:* ]] || die 2 "$name: refusing to deploy $image; expected an image by digest"
  echo "deploying $name: $image"
  if [[ "${KIND[$name]}" == service ]]; then
    gcloud run deploy "$name" --image="$image" "${where[@]}" --quiet
  else
    gcloud beta run worker-pools deploy "$name" --image="$image" "${where[@]}" --quiet
  fi
}

# /health (with an identity token for a private service), then the smoke
# command. A worker pool has no URL: its deploy waited for the revision to be ready.
verify() {
  local name=$1 url token=""
  if [[ "${KIND[$name]}" == service ]]; then
      url=$(gcloud run services describe "$name" "${where[@]}" --format='value(status.url)')
    [[ -n "$url" ]] || { echo "$name: no URL" >&2; return 1; }
    if [[ "${PRIVATE[$name]}" == yes ]]; then
      token=$(gcloud auth print-identity-token --impersonate-service-account="$deployer" --audiences="$url" --include-email) ||
        { echo "$name: no identity token for $url" >&2; return 1; }
    fi
    echo "checking $url${HEALTH_PATH[$name]}"
    # The token goes on standard input, never on a command line.
    if ! printf 'Authorization: Bearer %s\n' "$token" | curl --fail --silent --show-error --output /dev/null \
      --max-time 10 --retry 5 --retry-delay 3 --retry-all-errors --header @- "$url${HEALTH_PATH[$name]}"; then
      echo "$name: health check failed" >&2
      return 1
    fi
  fi
  if [[ -n "${SMOKE[$name]}" ]]; then
    echo "smoke test of $name: ${SMOKE[$name]}"
    if ! SERVICE="$name" SERVICE_URL="${url:-}" ID_TOKEN="$token" bash -c "${SMOKE[$name]}"; then
      echo "$name: smoke test failed" >&2
      return 1
    fi
  fi
}

report() {
  local name=$1
  echo "$name now runs $(current_image "$name")"
}

select_environment "${ENVIRONMENT:-}"
name=${SERVICE:-}
check_workload "$name"
target=${TARGET:-previous}
case "$target" in
  previous) ;;
  sha256:*) [[ "$target" =~ ^sha256:[0-9a-f]{64}$ ]] || die 2 "TARGET '$target': expected sha256:<64 hex digits>" ;;
  *)
    [[ "$target" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] ||
      die 2 "TARGET '$target': expected previous, sha256:<digest> or an image tag"
    ;;
esac
current=$(pinned "$(current_image "$name")")

# The newest revision's image that differs from what runs now.
previous_image() {
  local images image
  if [[ "${KIND[$name]}" == service ]]; then
    images=$(gcloud run revisions list --service="$name" "${where[@]}" \
      --sort-by=~metadata.creationTimestamp --format='value(status.imageDigest)')
  else
    images=$(gcloud beta run worker-pools revisions list --worker-pool="$name" "${where[@]}" \
      --sort-by=~metadata.creationTimestamp --format='value(status.imageDigest)')
  fi
  while read -r image; do
    if [[ "$image" == *@sha256:* && "$image" != "$current" ]]; then
      echo "$image"
      return
    fi
  done <<<"$images"
  die 1 "$name: no earlier revision runs another image than $current"
}

case "$target" in
  previous) image=$(previous_image) ;;
  sha256:*) image="$registry/$name@$target" ;;
  *) image=$(pinned "$registry/$name:$target") ;;
esac

if [[ "$image" == "$current" ]]; then
  echo "$name already runs $image"
else
  deployed=yes
  deploy_image "$name" "$image" || deployed=no
fi
if [[ "${deployed:-yes}" == no ]] || ! verify "$name"; then
  report "$name"
  die 1 "$name fails its checks on $image; it was running $current"
fi
report "$name"
