#!/usr/bin/env bash
# 02-enable-apis.sh: the Google APIs the stack declares (staging).
# Rendered from the catalog by `mminfra bootstrap render`: change
# mindmirror_infra/catalog/ or mindmirror_infra/bootstrap/templates/, never this file.
# Safe to run again: it looks before it creates, so a second run changes nothing.
set -euo pipefail

SCRIPT=02-enable-apis.sh
PROJECT="${MINDMIRROR_PROJECT:-mindmirror-staging}"
REGION="${MINDMIRROR_REGION:-us-central1}"
DRY_RUN="${MINDMIRROR_DRY_RUN:-0}"
ACCOUNT=""
# APIs this run found disabled: nothing of theirs can be listed yet.
NEWLY_ENABLED=""

usage() {
  cat <<'USAGE'
Usage: 02-enable-apis.sh [--project ID] [--region REGION] [--dry-run]

The Google APIs the stack declares (staging).

The APIs the stack declares (mindmirror_infra/catalog/apis.py), which the
stack adopts with import blocks on its first apply. None is ever disabled.

  --project ID     the GCP project, or MINDMIRROR_PROJECT. Default: mindmirror-staging
  --region REGION  its region, or MINDMIRROR_REGION. Default: us-central1
  --dry-run        print each change instead of making it, or MINDMIRROR_DRY_RUN=1
USAGE
}

say() { printf '%s: %s\n' "$SCRIPT" "$*"; }
die() { printf '%s: %s\n' "$SCRIPT" "$*" >&2; exit 1; }
usage_error() { printf '%s: %s; see --help\n' "$SCRIPT" "$*" >&2; exit 2; }

while [ "$#" -gt 0 ]; do
  case "$1" in
    --project) [ "$#" -ge 2 ] || usage_error "--project needs a value"; PROJECT="$2"; shift 2 ;;
    --project=*) PROJECT="${1#*=}"; shift ;;
    --region) [ "$#" -ge 2 ] || usage_error "--region needs a value"; REGION="$2"; shift 2 ;;
    --region=*) REGION="${1#*=}"; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done
[[ "$PROJECT" =~ ^[a-z][-a-z0-9]{4,28}[a-z0-9]$ ]] || usage_error "--project: '$PROJECT' is not a project id"
[[ "$REGION" =~ ^[a-z]+-[a-z]+[0-9]+$ ]] || usage_error "--region: '$REGION' is not a region such as us-central1"
case "$DRY_RUN" in 0 | 1) ;; *) usage_error "MINDMIRROR_DRY_RUN: '$DRY_RUN' is not 0 or 1" ;; esac

# gcloud on PATH, an active account, and the project reachable with it.
check_prerequisites() {
  local accounts
  command -v gcloud >/dev/null 2>&1 \
    || die "gcloud not found: install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and put it on PATH"
  accounts="$(gcloud auth list --filter=status:ACTIVE --format='value(account)' 2>/dev/null)" || accounts=""
  ACCOUNT="${accounts%%$'\n'*}"
  [ -n "$ACCOUNT" ] || die "no active gcloud account: run 'gcloud auth login' (or activate a service account), then $SCRIPT again"
  gcloud projects describe "$PROJECT" --format='value(projectId)' >/dev/null 2>&1 \
    || die "project $PROJECT is not reachable as $ACCOUNT: check --project, or ask for access to the project"
  if [ "$DRY_RUN" = 1 ]; then
    say "project $PROJECT, region $REGION, as $ACCOUNT (dry run: nothing is changed)"
  else
    say "project $PROJECT, region $REGION, as $ACCOUNT"
  fi
}

# A gcloud call that only reads. Its failure stops the script, naming the step.
look() {
  local step="$1"
  shift
  "$@" || die "step '$step' failed (exit $?): $*"
}

# A gcloud call that changes the project, or under --dry-run only says what it would do.
# Its failure stops the script, naming the step. Arguments never hold a secret value:
# values reach gcloud on standard input only.
change() {
  local step="$1"
  shift
  if [ "$DRY_RUN" = 1 ]; then
    say "would $step: $*"
    return 0
  fi
  say "$step"
  "$@" || die "step '$step' failed (exit $?): $*; fix the cause and run $SCRIPT again: it skips what is done"
}

contains_line() { grep -qxF -- "$1" <<<"$2"; }

# Whether this run enabled the API: then nothing of it can exist yet, and
# listing could meet the delay before a new API answers.
newly_enabled() { contains_line "$1" "$NEWLY_ENABLED"; }

# Enables the APIs given that are not enabled yet, 20 a call (the most one call takes).
enable_apis() {
  local enabled api
  local missing=()
  enabled="$(look "list enabled APIs" gcloud services list --enabled --project="$PROJECT" --format='value(config.name)')"
  for api in "$@"; do
    contains_line "$api" "$enabled" || missing+=("$api")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    say "APIs enabled already: $*"
    return 0
  fi
  NEWLY_ENABLED="$(printf '%s\n' "${missing[@]}")"
  while [ "${#missing[@]}" -gt 0 ]; do
    change "enable ${missing[*]:0:20}" gcloud services enable "${missing[@]:0:20}" --project="$PROJECT"
    missing=("${missing[@]:20}")
  done
}

check_prerequisites
enable_apis \
  artifactregistry.googleapis.com \
  billingbudgets.googleapis.com \
  cloudresourcemanager.googleapis.com \
  cloudtrace.googleapis.com \
  compute.googleapis.com \
  containerscanning.googleapis.com \
  iam.googleapis.com \
  iamcredentials.googleapis.com \
  logging.googleapis.com \
  memorystore.googleapis.com \
  monitoring.googleapis.com \
  networkconnectivity.googleapis.com \
  run.googleapis.com \
  secretmanager.googleapis.com \
  serviceconsumermanagement.googleapis.com \
  servicenetworking.googleapis.com \
  sqladmin.googleapis.com \
  storage.googleapis.com \
  sts.googleapis.com \
  vpcaccess.googleapis.com
