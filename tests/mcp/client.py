"""A real MCP client (the official `mcp` package) driven by the Rust tests.

    client.py stdio PROGRAM [ARG...]        start the server as a child, talk over stdio
    client.py http URL [TOKEN]              talk streamable HTTP to URL

Reads a JSON list of steps on stdin, each {"list_tools": true} or
{"call": NAME, "arguments": {...}}, and prints one JSON object: the
server's initialize answer and one result per step, as the protocol wrote
them (camelCase). A failure of the protocol itself is a result with
"protocolError".
"""

import json
import sys

import anyio
from mcp import ClientSession, MCPError, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def drive(session, steps):
    init = dump(await session.initialize())
    results = []
    for step in steps:
        try:
            if step.get("list_tools"):
                results.append(dump(await session.list_tools()))
            else:
                result = await session.call_tool(step["call"], step.get("arguments") or {})
                results.append(dump(result))
        except MCPError as e:
            results.append({"protocolError": {"code": e.error.code, "message": e.error.message}})
    return {"initialize": init, "results": results}


async def main():
    mode, rest = sys.argv[1], sys.argv[2:]
    steps = json.load(sys.stdin)
    if mode == "stdio":
        params = StdioServerParameters(command=rest[0], args=rest[1:])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                out = await drive(session, steps)
    elif mode == "http":
        headers = {"Authorization": f"Bearer {rest[1]}"} if len(rest) > 1 else None
        async with create_mcp_http_client(headers=headers) as http:
            async with streamable_http_client(rest[0], http_client=http) as (read, write):
                async with ClientSession(read, write) as session:
                    out = await drive(session, steps)
    else:
        sys.exit(f"unknown mode {mode!r}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    anyio.run(main)
