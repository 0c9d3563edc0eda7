"""A scripted coding agent that uses the MCP server AIPM hands it.

Run by the worker as a custom agent (`python mcp_agent.py {task_file}`): it
reads AIPM_MCP_CONFIG (the `mcpServers` JSON), connects with the official
MCP client, lists its tools, reads its story (AIPM_STORY_ID), records Pass
on the story's first acceptance test, tries to read another story, to
record a result of another story's test and to create a story, prints what
each answered, writes feature.txt and exits 0. With MCP_AGENT_NOTE set it
also writes the URL and token it was given there, so a test can try them
after the run.
"""

import json
import os
import sys

import anyio
from mcp import ClientSession, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


async def main():
    with open(os.environ["AIPM_MCP_CONFIG"], encoding="utf-8") as f:
        server = json.load(f)["mcpServers"]["aipm"]
    if os.environ.get("MCP_AGENT_NOTE"):
        with open(os.environ["MCP_AGENT_NOTE"], "w", encoding="utf-8") as f:
            json.dump(server, f)
    story = int(os.environ["AIPM_STORY_ID"])
    async with create_mcp_http_client(headers=server["headers"]) as http:
        async with streamable_http_client(server["url"], http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = [t.name for t in (await session.list_tools()).tools]
                print("mcp tools:", ",".join(tools), flush=True)
                mine = await session.call_tool("get_story", {"id": story})
                tests = mine.structured_content["acceptanceTests"]
                print("mcp story:", mine.structured_content["title"], flush=True)
                recorded = await session.call_tool(
                    "record_test_result", {"id": tests[0]["id"], "status": "Pass"}
                )
                print("mcp recorded:", recorded.structured_content["status"], flush=True)
                other = await session.call_tool("get_story", {"id": story + 1})
                print("mcp other story:", other.structured_content["code"], flush=True)
                # The test after this story's last one belongs to the next story.
                theirs = max(t["id"] for t in tests) + 1
                other = await session.call_tool("record_test_result", {"id": theirs, "status": "Fail"})
                print("mcp other test:", other.structured_content["code"], flush=True)
                try:
                    made = await session.call_tool("create_story", {"title": "Sneaky"})
                    print("mcp create:", made.structured_content["code"], flush=True)
                except MCPError as e:
                    print("mcp create: protocol error", e.error.code, flush=True)
    with open("feature.txt", "a", encoding="utf-8") as f:
        f.write(f"Implemented story {story}\n")


if __name__ == "__main__":
    anyio.run(main)
    sys.exit(0)
