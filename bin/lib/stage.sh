# shellcheck shell=bash
# Sourced by bin/deploy-*, bin/startup, bin/teardown and bin/check-deploy:
# messages, tool and credential checks, and a stage's settings (samconfig.toml)
# and stack outputs. Call from the repository root.

die() {
  echo "error: $*" >&2
  exit 1
}

step() {
  printf '\n== %s\n' "$*" >&2
}

# The deployment tools bin/check-deploy installs live in .venv-deploy; use
# them when they are there.
if [ -d .venv-deploy/bin ]; then
  PATH="$PWD/.venv-deploy/bin:$PATH"
fi

# need TOOL HINT: fail with HINT unless TOOL is on PATH.
need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed. $2"
}

need_deploy_tools() {
  need python3 "Install Python 3.11 or later."
  need aws "Install the AWS CLI: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
  need sam "Run bin/check-deploy --no-build once (installs sam and cargo-lambda into .venv-deploy), or: pip install aws-sam-cli"
  need cargo "Install the Rust toolchain: https://rustup.rs"
  need cargo-lambda "Run bin/check-deploy --no-build once, or: pip install cargo-lambda"
  need jq "Install jq (apt-get install jq, dnf install jq, brew install jq)."
  need curl "Install curl."
}

# Fails fast, and says how to fix it, when no AWS credentials are usable.
need_aws_credentials() {
  local region=$1 out
  if ! out=$(AWS_MAX_ATTEMPTS=1 aws sts get-caller-identity --region "$region" \
      --cli-connect-timeout 5 --cli-read-timeout 10 --output text --query Account 2>&1); then
    die "cannot call AWS as anyone: aws sts get-caller-identity said: $(echo "$out" | tail -n 1)
Configure credentials (aws configure; or aws sso login --profile NAME and export AWS_PROFILE=NAME;
or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and check the network. docs/deploy.md, 'Prerequisites'."
  fi
  # shellcheck disable=SC2034 # read by the scripts that source this file
  AWS_ACCOUNT=$out
}

# samconfig VALUE for one stage: samconfig STAGE COMMAND KEY
samconfig() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys, tomllib
stage, command, key = sys.argv[1:]
with open("samconfig.toml", "rb") as f:
    config = tomllib.load(f)
value = config.get(stage, {}).get(command, {}).get("parameters", {}).get(key)
if value is None:
    sys.exit(f"samconfig.toml has no {stage}.{command}.parameters.{key}")
print(value)
PY
}

# load_stage STAGE: STAGE, STACK, REGION and OVERRIDES (samconfig's
# parameter_overrides) for dev or prod.
load_stage() {
  case "$1" in
    dev | prod) STAGE=$1 ;;
    *) die "unknown stage '$1' (dev or prod)" ;;
  esac
  [ -f samconfig.toml ] || die "run from the repository root (samconfig.toml not found)"
  STACK=$(samconfig "$STAGE" global stack_name)
  REGION=$(samconfig "$STAGE" global region)
  OVERRIDES=$(samconfig "$STAGE" deploy parameter_overrides)
}

# override NAME DEFAULT: a parameter's value in OVERRIDES.
override() {
  python3 - "$OVERRIDES" "$1" "$2" <<'PY'
import shlex, sys
overrides, name, default = sys.argv[1:]
values = dict(item.split("=", 1) for item in shlex.split(overrides))
print(values.get(name, default))
PY
}

# with_override NAME VALUE: OVERRIDES with NAME set to VALUE.
with_override() {
  python3 - "$OVERRIDES" "$1" "$2" <<'PY'
import shlex, sys
overrides, name, value = sys.argv[1:]
items = [i for i in shlex.split(overrides) if not i.startswith(name + "=")]
items.append(f"{name}={value}")
print(" ".join(shlex.quote(i) for i in items))
PY
}

# stack_outputs: the stack's outputs as JSON {key: value}; fails when the
# stack does not exist.
stack_outputs() {
  AWS_MAX_ATTEMPTS=2 aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK" \
    --query 'Stacks[0].Outputs' --output json 2>/dev/null |
    jq -e 'map({(.OutputKey): .OutputValue}) | add'
}
