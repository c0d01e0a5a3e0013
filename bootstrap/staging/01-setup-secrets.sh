#!/usr/bin/env bash
# 01-setup-secrets.sh: the secret containers and their first values (staging).
# Rendered from the catalog by `mminfra bootstrap render`: change
# mindmirror_infra/catalog/ or mindmirror_infra/bootstrap/templates/, never this file.
# Safe to run again: it looks before it creates, so a second run changes nothing.
set -euo pipefail

SCRIPT=01-setup-secrets.sh
PROJECT="${MINDMIRROR_PROJECT:-mindmirror-staging}"
REGION="${MINDMIRROR_REGION:-us-central1}"
DRY_RUN="${MINDMIRROR_DRY_RUN:-0}"
ACCOUNT=""
# APIs this run found disabled: nothing of theirs can be listed yet.
NEWLY_ENABLED=""

usage() {
  cat <<'USAGE'
Usage: 01-setup-secrets.sh [--project ID] [--region REGION] [--dry-run]

The secret containers and their first values (staging).

Creates each secret of the catalog unless it exists, and adds its first value
unless it has an enabled version (a secret with one is left alone; one whose
versions are all disabled or destroyed gets a new one). A value comes from its
environment variable, else from a prompt that does not echo; it reaches gcloud
on standard input only, and gcloud neither prints nor logs it.
  database-url: added by 04-create-database-users.sh after the first apply
  movements-database-url: added by 04-create-database-users.sh after the first apply
  practices-database-url: added by 04-create-database-users.sh after the first apply
  users-database-url: added by 04-create-database-users.sh after the first apply
  MINDMIRROR_SECRET_JWT_SECRET: Key that signs and verifies user tokens
  MINDMIRROR_SECRET_OPENAI_API_KEY: OpenAI API key
  MINDMIRROR_SECRET_QDRANT_API_KEY: Qdrant Cloud API key
  MINDMIRROR_SECRET_SUPABASE_SERVICE_ROLE_KEY: Supabase service role key
  MINDMIRROR_SECRET_ENVIRONMENT (default: staging): The environment name: production or staging

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

# A change whose value reaches gcloud on standard input: a secret version, a
# password. Whatever the operator's gcloud configuration (its properties files,
# CLOUDSDK_* variables), gcloud must neither print nor log that value:
# - core/log_http prints each request body (a secret version's data in base64,
#   a user's password) to standard error and writes it to gcloud's log files;
# - verbosity debug prints the command's arguments, those of a flags file too;
# - the log files in gcloud's configuration folder record those arguments at
#   every verbosity.
# An environment variable outranks every properties file; a flag outranks the
# variable, and the last of two flags wins, so these come last on the command line.
# Properties: `gcloud topic configurations`, `gcloud config set --help`.
change_carrying_value() {
  local step="$1"
  shift
  CLOUDSDK_CORE_LOG_HTTP=false CLOUDSDK_CORE_VERBOSITY=error CLOUDSDK_CORE_DISABLE_FILE_LOGGING=true \
    change "$step" "$@" --no-log-http --verbosity=error
}

# The name of the newest ENABLED version of a secret, or nothing: a secret whose
# versions are all disabled or destroyed has no value a workload can read.
enabled_version() {
  local secret="$1" step="$2"
  look "$step" gcloud secrets versions list "$secret" --project="$PROJECT" --filter=state=ENABLED --limit=1 \
    --format='value(name)'
}

EXISTING_SECRETS=""
# Whether the secret last passed to ensure_secret existed before this run.
EXISTED=0

ensure_secret() {
  local id="$1"
  if contains_line "$id" "$EXISTING_SECRETS"; then
    say "secret $id exists"
    EXISTED=1
    return 0
  fi
  EXISTED=0
  change "create secret $id" gcloud secrets create "$id" --project="$PROJECT" --replication-policy=automatic
}

# Adds a version to a secret without an enabled one, from $var, else the default, else a prompt.
seed_secret() {
  local id="$1" var="$2" description="$3" default="$4" existed="$5"
  local versions="" value
  if [ "$existed" = 1 ]; then
    versions="$(enabled_version "$id" "list enabled versions of secret $id")"
  fi
  if [ -n "$versions" ]; then
    say "secret $id has an enabled version: left alone"
    return 0
  fi
  if [ "$DRY_RUN" = 1 ]; then
    say "would add the first version of secret $id, from \$$var or a prompt"
    return 0
  fi
  value="${!var:-$default}"
  if [ -z "$value" ]; then
    [ -t 0 ] || die "no value for secret $id: set $var, or run $SCRIPT in a terminal to be asked"
    printf '%s (%s): ' "$id" "$description" >&2
    IFS= read -r -s value || value=""
    printf '\n' >&2
    [ -n "$value" ] || die "no value given for secret $id: run $SCRIPT again to be asked, or set $var"
  fi
  printf '%s' "$value" | change_carrying_value "add the first version of secret $id" \
    gcloud secrets versions add "$id" --project="$PROJECT" --data-file=-
}

check_prerequisites
enable_apis secretmanager.googleapis.com
if ! newly_enabled secretmanager.googleapis.com; then
  EXISTING_SECRETS="$(look "list secrets" gcloud secrets list --project="$PROJECT" --format='value(name.basename())')"
fi

ensure_secret database-url
say "secret database-url: its first version is added by 04-create-database-users.sh after the first apply"
ensure_secret movements-database-url
say "secret movements-database-url: its first version is added by 04-create-database-users.sh after the first apply"
ensure_secret practices-database-url
say "secret practices-database-url: its first version is added by 04-create-database-users.sh after the first apply"
ensure_secret users-database-url
say "secret users-database-url: its first version is added by 04-create-database-users.sh after the first apply"
ensure_secret jwt-secret
seed_secret jwt-secret MINDMIRROR_SECRET_JWT_SECRET 'Key that signs and verifies user tokens' '' "$EXISTED"
ensure_secret openai-api-key
seed_secret openai-api-key MINDMIRROR_SECRET_OPENAI_API_KEY 'OpenAI API key' '' "$EXISTED"
ensure_secret qdrant-api-key
seed_secret qdrant-api-key MINDMIRROR_SECRET_QDRANT_API_KEY 'Qdrant Cloud API key' '' "$EXISTED"
ensure_secret supabase-service-role-key
seed_secret supabase-service-role-key MINDMIRROR_SECRET_SUPABASE_SERVICE_ROLE_KEY 'Supabase service role key' '' "$EXISTED"
ensure_secret environment
seed_secret environment MINDMIRROR_SECRET_ENVIRONMENT 'The environment name: production or staging' staging "$EXISTED"
