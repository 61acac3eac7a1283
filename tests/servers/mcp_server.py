#!/usr/bin/env python3
"""A real MCP server (Python MCP SDK, FastMCP) for tokdiag's integration tests.

Streamable HTTP at http://127.0.0.1:PORT/mcp, stateless by default, as the
AgentCore MCP protocol contract asks (`stateless_http=True`). Loopback only.

    .venv/bin/python tests/servers/mcp_server.py 8000
    .venv/bin/python tests/servers/mcp_server.py --port 8000 --stateful
    .venv/bin/python tests/servers/mcp_server.py --port 8000 --json-response

Options:
  --stateful       stateless_http=False: the server issues its own Mcp-Session-Id
                   and answers 404 "Session not found" to an id it did not issue
                   (what a platform-generated session id gets from such a server).
  --json-response  answer POSTs with application/json instead of an SSE stream.

Tools: validate_content(content, rules=None) -> dict and echo(text) -> str.

Besides /mcp, GET /debug/last-request returns the method, path and headers of the
last request that reached /mcp (Authorization shown as-is: test tokens only), so
proxy tests can check what was forwarded upstream.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from content_tools import LAST_REQUEST, RecordRequests, _loopback, echo, validate_content
from mcp.server.fastmcp import FastMCP
from starlette.requests import Request
from starlette.responses import JSONResponse

def build(stateful: bool, json_response: bool, host: str, port: int, log_level: str) -> FastMCP:
    server = FastMCP(
        "tokdiag-test-mcp",
        instructions="Test MCP server for tokdiag: validate_content and echo.",
        host=host,
        port=port,
        streamable_http_path="/mcp",
        stateless_http=not stateful,
        json_response=json_response,
        log_level=log_level,
    )
    server.tool()(validate_content)
    server.tool()(echo)

    @server.custom_route("/debug/last-request", methods=["GET"])
    async def last_request(_: Request) -> JSONResponse:
        return JSONResponse(LAST_REQUEST or {"method": None, "path": None, "headers": {}})

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "stateful": stateful, "json_response": json_response})

    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tokdiag test MCP server (streamable HTTP at /mcp)")
    parser.add_argument("port_pos", nargs="?", type=int, metavar="PORT", help="TCP port (same as --port)")
    parser.add_argument("--port", type=int, default=None, help="TCP port (default 8000)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--stateful", action="store_true", help="stateless_http=False (own session ids, 404 for others)")
    parser.add_argument("--json-response", action="store_true", help="JSON responses instead of SSE")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)

    if args.port is not None and args.port_pos is not None and args.port != args.port_pos:
        parser.error("port given twice with different values")
    port = args.port if args.port is not None else (args.port_pos if args.port_pos is not None else 8000)
    if not _loopback(args.host):
        parser.error(f"--host {args.host}: this test server binds loopback addresses only")

    import uvicorn

    server = build(args.stateful, args.json_response, args.host, port, args.log_level)
    app = RecordRequests(server.streamable_http_app())
    mode = "stateful" if args.stateful else "stateless"
    body = "json" if args.json_response else "sse"
    print(f"tokdiag test MCP server: http://{args.host}:{port}/mcp ({mode}, {body})", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=port, log_level=args.log_level.lower())
    return 0


if __name__ == "__main__":
    sys.exit(main())
