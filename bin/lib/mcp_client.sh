# Sourced by bin/test. `install_mcp_client` installs the official MCP client
# (the `mcp` package from PyPI) into .venv-mcp once and exports
# AIPM_TEST_MCP_PYTHON for the MCP tests (tests/mcp).

install_mcp_client() {
  local venv=.venv-mcp
  if ! "$venv/bin/python" -c 'import mcp' 2>/dev/null; then
    echo "installing the MCP client into $venv (once)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "mcp>=2.3,<3" || return 1
  fi
  export AIPM_TEST_MCP_PYTHON="$PWD/$venv/bin/python"
}
