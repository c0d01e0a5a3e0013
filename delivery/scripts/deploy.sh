#!/usr/bin/env bash
# Rendered by mminfra from the catalog of mindmirror-infra. Do not edit:
# change mindmirror_infra/catalog/ there, run `make synth`, then
# `mminfra workflows install <this repository>`.
#
# Deploys the images build-and-push pushed, by digest, to one environment:
#   1. each migration job the deployed workloads need is pointed at the new
#      migrations image and run to completion; a failed migration deploys nothing;
#   2. each workload in turn: its new image by digest, then /health and its
#      smoke command; on failure its previous image is redeployed (by digest)
#      and the run fails.
# Running it again with the same images is safe: a workload already running
# its image is only checked, and migrations run to the same head.
#
# Environment:
#   ENVIRONMENT  one of production, staging
#   DIGESTS      JSON object: image name -> sha256:... (build-and-push's outputs)
#   ONLY         one workload to deploy; empty: every workload
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
selected=("${WORKLOADS[@]}")
if [[ -n "${ONLY:-}" ]]; then
  check_workload "$ONLY"
  selected=("$ONLY")
fi

digest_of() {
  local digest
  digest=$(jq -r --arg name "$1" '.[$name] // ""' <<<"${DIGESTS:-}") || die 2 "DIGESTS: expected a JSON object"
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die 2 "DIGESTS[$1]: '$digest'; expected sha256:<64 hex digits>"
  echo "$digest"
}

# Every digest is checked before anything changes.
declare -A IMAGE=()
jobs=()
for name in "${selected[@]}"; do
  IMAGE[$name]="$registry/$name@$(digest_of "$name")"
  job=${MIGRATION_JOB[$name]}
  if [[ -n "$job" && " ${jobs[*]} " != *" $job "* ]]; then
    jobs+=("$job")
  fi
done
if ((${#jobs[@]})); then
  migrations="$registry/migrations@$(digest_of migrations)"
fi

for job in "${jobs[@]}"; do
  echo "migrating with $job: $migrations"
  gcloud run jobs update "$job" --image="$migrations" "${where[@]}" --quiet
  gcloud run jobs execute "$job" --wait "${where[@]}" --quiet ||
    die 1 "migration job $job failed: nothing was deployed"
done

for name in "${selected[@]}"; do
  image=${IMAGE[$name]}
  previous=$(pinned "$(current_image "$name")")
  deployed=yes
  if [[ "$previous" == "$image" ]]; then
    echo "$name already runs $image"
  else
    # A revision that fails to start fails the deploy itself: rolled back the same way.
    deploy_image "$name" "$image" || deployed=no
  fi
  if [[ "$deployed" == no ]] || ! verify "$name"; then
    if [[ "$previous" == "$image" ]]; then
      die 1 "$name fails its checks on $image, which it already ran: nothing to roll back to"
    fi
    echo "rolling $name back to $previous" >&2
    deploy_image "$name" "$previous"
    verify "$name" || echo "warning: $name also fails its checks on $previous" >&2
    report "$name"
    die 1 "$name failed its checks on $image and was rolled back to $previous"
  fi
  report "$name"
done
