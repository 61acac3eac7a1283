#!/usr/bin/env python3
"""A real MCP server on the Python MCP SDK **2.x** (`mcp.server.mcpserver.MCPServer`; FastMCP is
gone there) for tokdiag's integration tests. Runs in its own venv (`.venv-mcp2/`,
scripts/requirements-mcp2.txt): one venv cannot hold mcp 1.x and 2.x.

Streamable HTTP at http://127.0.0.1:PORT/mcp, stateless (`stateless_http=True`, as the AgentCore
MCP contract asks), SSE answers unless --json-response. Loopback only.

    .venv-mcp2/bin/python tests/servers/mcp2_server.py --port 8001
    .venv-mcp2/bin/python tests/servers/mcp2_server.py --port 8001 --json-response

Same tools and extra routes as mcp_server.py (content_tools.py): validate_content, echo,
GET /healthz, GET /debug/last-request.
"""

from __future__ import annotations

import argparse
import sys

from content_tools import LAST_REQUEST, RecordRequests, _loopback, echo, validate_content
from mcp.server.mcpserver import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse


def build(json_response: bool) -> MCPServer:
    server = MCPServer(
        "tokdiag-test-mcp2",
        instructions="Test MCP server (Python SDK 2.x) for tokdiag: validate_content and echo.",
    )
    server.tool()(validate_content)
    server.tool()(echo)

    @server.custom_route("/debug/last-request", methods=["GET"])
    async def last_request(_: Request) -> JSONResponse:
        return JSONResponse(LAST_REQUEST or {"method": None, "path": None, "headers": {}})

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "sdk": "python-2", "json_response": json_response})

    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tokdiag test MCP server, Python SDK 2.x (streamable HTTP at /mcp)")
    parser.add_argument("--port", type=int, default=8001, help="TCP port (default 8001)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--json-response", action="store_true", help="JSON responses instead of SSE")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    if not _loopback(args.host):
        parser.error(f"--host {args.host}: this test server binds loopback addresses only")

    import uvicorn

    server = build(args.json_response)
    app = RecordRequests(
        server.streamable_http_app(
            streamable_http_path="/mcp",
            stateless_http=True,
            json_response=args.json_response,
            host=args.host,
        )
    )
    body = "json" if args.json_response else "sse"
    print(f"tokdiag test MCP server (mcp 2.x): http://{args.host}:{args.port}/mcp (stateless, {body})", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level.lower())
    return 0


if __name__ == "__main__":
    sys.exit(main())
