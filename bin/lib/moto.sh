# Sourced by bin/test and bin/bench-functions. `start_moto LOG` starts moto's
# server (DynamoDB, SQS) on a free loopback port, one request at a time
# (tests/moto_server.py says why), exports AIPM_TEST_DYNAMODB_ENDPOINT, and
# stops the server when the calling script exits. Installs moto once.

start_moto() {
  local log=$1 venv=.venv-moto port
  if [ ! -x "$venv/bin/moto_server" ]; then
    echo "installing moto's server into $venv (once)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]>=5.1,<6"
  fi

  mkdir -p "$(dirname "$log")"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$venv/bin/python" tests/moto_server.py "$port" >"$log" 2>&1 &
  moto_pid=$!
  trap stop_moto EXIT

  for _ in $(seq 1 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
      break
    fi
    if ! kill -0 "$moto_pid" 2>/dev/null; then
      echo "moto's server did not start; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "moto's server on 127.0.0.1:$port" >&2
  export AIPM_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
}

# Stop the server start_moto started (also run at exit).
stop_moto() {
  if [ -n "${moto_pid:-}" ]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
    moto_pid=""
  fi
}
