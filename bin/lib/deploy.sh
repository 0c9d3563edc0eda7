# shellcheck shell=bash
# Sourced by bin/deploy-dev and bin/deploy-prod. `deploy_stage STAGE`:
# build the functions (sam build), deploy the stack, upload the worker binary
# and the web UI, write the stage's config.js from the stack outputs, roll the
# workers onto the new binary, and check the stage with bin/startup.

deploy_stage() {
  load_stage "$1"
  need_deploy_tools
  need_aws_credentials "$REGION"
  local target=${CARGO_TARGET_DIR:-$PWD/target}
  local arch commit
  arch=$(override Architecture arm64)
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  echo "deploying $STACK ($STAGE, $arch) to account $AWS_ACCOUNT in $REGION, commit $commit" >&2

  need_rust_target "$arch"
  check_secrets

  # The API accepts browser calls from the stage's own web URL: known only
  # once the stack exists, so a first deploy runs twice.
  local outputs web_url origins
  outputs=$(stack_outputs || echo '{}')
  web_url=$(jq -r '.WebUrl // empty' <<<"$outputs")
  origins=$(cors_origins "$web_url")

  step "sam build ($arch)"
  CARGO_TARGET_DIR=$target sam build --config-env "$STAGE" \
    --parameter-overrides "$(with_override CorsAllowedOrigins "$origins")"

  step "sam deploy ($STACK)"
  sam deploy --config-env "$STAGE" --parameter-overrides "$(with_override CorsAllowedOrigins "$origins")"
  outputs=$(stack_outputs) || die "the stack $STACK has no outputs after the deploy"
  web_url=$(jq -r .WebUrl <<<"$outputs")
  if [ "$(cors_origins "$web_url")" != "$origins" ]; then
    origins=$(cors_origins "$web_url")
    step "sam deploy again: allow the web UI's origin $web_url"
    sam deploy --config-env "$STAGE" --no-confirm-changeset \
      --parameter-overrides "$(with_override CorsAllowedOrigins "$origins")"
  fi

  upload_worker "$outputs" "$arch" "$target" "$commit"
  upload_web "$outputs"
  roll_workers "$outputs"

  step "bin/startup $STAGE"
  bin/startup "$STAGE"
}

# cors_origins WEB_URL: the web URL, then the origins samconfig lists.
cors_origins() {
  local configured
  configured=$(override CorsAllowedOrigins "")
  python3 - "$1" "$configured" <<'PY'
import sys
web, configured = sys.argv[1:]
origins = [o for o in [web, *configured.split(",")] if o]
print(",".join(dict.fromkeys(origins)))
PY
}

need_rust_target() {
  local triple
  case "$1" in
    arm64) triple=aarch64-unknown-linux-gnu ;;
    x86_64) triple=x86_64-unknown-linux-gnu ;;
    *) die "Architecture=$1 in samconfig.toml: arm64 or x86_64" ;;
  esac
  if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx "$triple"; then
    rustup target add "$triple" >&2 ||
      die "cannot install the Rust target $triple; install it (rustup target add $triple) or deploy with Architecture=x86_64"
  fi
}

# The GitHub token must exist before workers can push (prod refuses to deploy
# without it); the LLM key only when an LLM is configured.
check_secrets() {
  local prefix github llm
  prefix=$(override SsmPrefix /aipm)/$STAGE
  github=$prefix/github-token
  if ! secure_parameter_exists "$github"; then
    [ "$STAGE" = prod ] && die "the SecureString parameter $github does not exist; create it first (docs/deploy.md, 'GitHub token')"
    echo "warning: $github does not exist yet; workers wait for it (docs/deploy.md, 'GitHub token')" >&2
  fi
  if [ -n "$(override LlmBaseUrl "")" ]; then
    llm=$prefix/llm-api-key
    secure_parameter_exists "$llm" ||
      echo "warning: LlmBaseUrl is set but $llm does not exist; the LLM pass will fail over to the checks without it" >&2
  fi
}

secure_parameter_exists() {
  [ "$(aws ssm get-parameter --region "$REGION" --name "$1" --query Parameter.Type --output text 2>/dev/null)" = SecureString ]
}

upload_worker() {
  local outputs=$1 arch=$2 target=$3 commit=$4 bucket dir flag
  bucket=$(jq -r .ArtifactBucketName <<<"$outputs")
  dir=$target/lambda/worker-$arch
  flag=--arm64
  [ "$arch" = x86_64 ] && flag=--x86-64
  step "aipm worker ($arch) -> s3://$bucket/worker/aipm"
  cargo lambda build --release "$flag" -p aipm-cli --features aws --bin aipm --lambda-dir "$dir" --quiet
  aws s3 cp --region "$REGION" --only-show-errors "$dir/aipm/bootstrap" "s3://$bucket/worker/aipm" \
    --metadata "commit=$commit"
}

# web/ as it is, plus config.js for this stage (never written into web/).
upload_web() {
  local outputs=$1 bucket distribution api_url config
  bucket=$(jq -r .WebBucketName <<<"$outputs")
  distribution=$(jq -r .WebDistributionId <<<"$outputs")
  api_url=$(jq -r .ApiUrl <<<"$outputs")
  config=$(mktemp -d)/config.js
  printf 'window.AIPM_CONFIG = { apiBaseUrl: "%s" };\n' "$api_url" >"$config"
  step "web/ -> s3://$bucket (config.js: apiBaseUrl $api_url)"
  aws s3 sync --region "$REGION" --only-show-errors --delete --exclude config.js \
    --cache-control no-cache web/ "s3://$bucket/"
  aws s3 cp --region "$REGION" --only-show-errors --cache-control no-cache \
    --content-type application/javascript "$config" "s3://$bucket/config.js"
  aws cloudfront create-invalidation --distribution-id "$distribution" --paths '/*' \
    --query Invalidation.Id --output text >/dev/null
}

# Running workers fetch the binary when their service starts; replace them
# so they all run the one just uploaded.
roll_workers() {
  local group running
  group=$(jq -r .WorkerGroupName <<<"$1")
  running=$(aws autoscaling describe-auto-scaling-groups --region "$REGION" \
    --auto-scaling-group-names "$group" --query 'length(AutoScalingGroups[0].Instances)' --output text)
  if [ "$running" = 0 ]; then
    echo "no worker running; new ones start with the new binary" >&2
    return
  fi
  step "instance refresh of $group ($running running)"
  aws autoscaling start-instance-refresh --region "$REGION" --auto-scaling-group-name "$group" \
    --preferences '{"MinHealthyPercentage": 0, "InstanceWarmup": 120}' --query InstanceRefreshId --output text ||
    echo "warning: could not start an instance refresh (one in progress?); workers keep the binary they fetched" >&2
}
