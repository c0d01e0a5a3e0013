#!/usr/bin/env bash
# 04-create-database-users.sh: each database's application user and the first version of its URL secret (production).
# Rendered from the catalog by `mminfra bootstrap render`: change
# mindmirror_infra/catalog/ or mindmirror_infra/bootstrap/templates/, never this file.
# Safe to run again: it looks before it creates, so a second run changes nothing.
set -euo pipefail

SCRIPT=04-create-database-users.sh
PROJECT="${MINDMIRROR_PROJECT:-mindmirror-prod}"
REGION="${MINDMIRROR_REGION:-us-central1}"
DRY_RUN="${MINDMIRROR_DRY_RUN:-0}"
ACCOUNT=""
# APIs this run found disabled: nothing of theirs can be listed yet.
NEWLY_ENABLED=""

usage() {
  cat <<'USAGE'
Usage: 04-create-database-users.sh [--project ID] [--region REGION] [--dry-run]

Each database's application user and the first version of its URL secret (production).

Run after the first apply has created the Cloud SQL instances, for example:
  mminfra apply production -- -target=google_sql_database_instance.main_db -target=google_sql_database_instance.movements_db -target=google_sql_database_instance.practices_db -target=google_sql_database_instance.users_db

For each instance whose URL secret has no enabled version yet: creates its application
user (or resets its password) with a generated password, and adds
postgresql://USER:PASSWORD@PRIVATE_IP:5432/DATABASE?sslmode=require as the
secret's first version. The password is never in OpenTofu state, in output,
in gcloud's logs or on a command line.
  main-db: user main_app, database agent, secret database-url
  movements-db: user movements_app, database movements, secret movements-database-url
  practices-db: user practices_app, database practices, secret practices-database-url
  users-db: user users_app, database users, secret users-database-url

Every workload connects to its own database, named by its DATABASE_NAME
environment variable (a migration job: DATABASE_NAMES, all of its instance).

Then turn on pgAudit, once per database: the instances set pgaudit.log, which
records nothing until the extension exists in the database. Connected to each
database as its application user (a member of cloudsqlsuperuser, as every user
Cloud SQL creates is) from inside the VPC, since the instances have private IPs
only, run:
  CREATE EXTENSION IF NOT EXISTS pgaudit;
in each of these databases (a migration that runs the statement does the same):
  main-db: agent, journal, habits, meals
  movements-db: movements
  practices-db: practices
  users-db: users

  --project ID     the GCP project, or MINDMIRROR_PROJECT. Default: mindmirror-prod
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

# Cloud SQL refuses a password that breaks the instance's password policy
# (COMPLEXITY_DEFAULT: upper and lower case letters, digits and a symbol). The
# symbols here are the ones RFC 3986 leaves unreserved, so the password goes
# into postgresql://USER:PASSWORD@HOST/DATABASE without percent-encoding, and
# inside the flags file's double quotes without YAML escaping.
PASSWORD_ALPHABET='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'
# 40 characters of 66: about 240 bits.
PASSWORD_LENGTH=40

# Draws characters from /dev/urandom until it has PASSWORD_LENGTH of them, and
# draws again whenever one of the four kinds is missing, so every kind is there.
# Bytes from 198 (3 x 66) up are dropped, so each character is equally likely.
new_password() {
  local byte password
  while true; do
    password=""
    for byte in $(od -An -tu1 -N256 /dev/urandom); do
      if [ "$byte" -lt 198 ]; then
        password+="${PASSWORD_ALPHABET:byte % 66:1}"
      fi
      [ "${#password}" -lt "$PASSWORD_LENGTH" ] || break
    done
    if [ "${#password}" -eq "$PASSWORD_LENGTH" ] && [[ "$password" == *[[:upper:]]* ]] \
      && [[ "$password" == *[[:lower:]]* ]] && [[ "$password" == *[[:digit:]]* ]] \
      && [[ "$password" == *[-._~]* ]]; then
      printf '%s' "$password"
      return 0
    fi
  done
}

# How the password reaches Cloud SQL without a command line:
# - `--password=...` would sit in the process list (/proc/<pid>/cmdline) and in
#   shell history;
# - `--prompt-for-password` reads with Python's getpass, which opens /dev/tty,
#   not standard input, so a script cannot answer it;
# - `--flags-file=-` reads the flags as YAML from standard input (gcloud's
#   calliope expands it inside the process). gcloud would still print or log
#   the expanded arguments and the request body: change_carrying_value stops it.
# The Cloud SQL Admin REST API with curl would need the access token on a
# command line or a second input; IAM database authentication would need
# changes to every service's connection code.
set_user_password() {
  local step="$1"
  shift
  printf -- '--password: "%s"\n' "$PASSWORD" | change_carrying_value "$step" "$@" --flags-file=- --quiet
}

create_database_user() {
  local instance="$1" user="$2" database="$3" secret="$4"
  local versions host users
  versions="$(enabled_version "$secret" "list enabled versions of secret $secret (01-setup-secrets.sh creates it)")"
  if [ -n "$versions" ]; then
    say "secret $secret has an enabled version: user $user on $instance is left alone"
    return 0
  fi
  host="$(look "read the private IP of instance $instance (the first apply creates it)" \
    gcloud sql instances describe "$instance" --project="$PROJECT" --format='value(ipAddresses[0].ipAddress)')"
  [ -n "$host" ] || die "instance $instance has no IP address yet: wait for it to be ready, then run $SCRIPT again"
  users="$(look "list users of instance $instance" \
    gcloud sql users list --instance="$instance" --project="$PROJECT" --format='value(name)')"
  if [ "$DRY_RUN" = 1 ]; then
    if contains_line "$user" "$users"; then
      say "would reset the password of user $user on $instance to a generated one"
    else
      say "would create user $user on $instance with a generated password"
    fi
    say "would add the first version of secret $secret: postgresql://$user:***@$host:5432/$database?sslmode=require"
    return 0
  fi
  PASSWORD="$(new_password)"
  if contains_line "$user" "$users"; then
    # The user exists but its URL was never stored (an earlier run stopped
    # halfway): a new password, since the old one is known nowhere.
    set_user_password "reset the password of user $user on $instance" \
      gcloud sql users set-password "$user" --instance="$instance" --project="$PROJECT"
  else
    set_user_password "create user $user on $instance" \
      gcloud sql users create "$user" --instance="$instance" --project="$PROJECT"
  fi
  printf 'postgresql://%s:%s@%s:5432/%s?sslmode=require' "$user" "$PASSWORD" "$host" "$database" \
    | change_carrying_value "add the first version of secret $secret" \
      gcloud secrets versions add "$secret" --project="$PROJECT" --data-file=-
  PASSWORD=""
}

PASSWORD=""
check_prerequisites
create_database_user main-db main_app agent database-url
create_database_user movements-db movements_app movements movements-database-url
create_database_user practices-db practices_app practices practices-database-url
create_database_user users-db users_app users users-database-url
