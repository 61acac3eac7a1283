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
import ipaddress
import sys
from typing import Any

from mcp.server.fastmcp import FastMCP
from starlette.requests import Request
from starlette.responses import JSONResponse

BANNED_WORDS = ("TODO", "FIXME", "XXX")
MAX_LENGTH = 10_000
KNOWN_RULES = ("non_empty", "max_length", "banned_words")

_last_request: dict[str, Any] = {}


def validate_content(content: str, rules: list[str] | None = None) -> dict[str, Any]:
    """Validate a piece of text content.

    Rules (all by default): "non_empty" (not empty or only whitespace),
    "max_length" (at most 10000 characters), "banned_words" (none of
    TODO, FIXME, XXX as a whole word, case-sensitive).
    Returns {"valid": bool, "issues": [{"rule", "message"}], "length": N, "rules": [...]}.
    """
    selected = list(KNOWN_RULES) if rules is None else list(rules)
    unknown = [r for r in selected if r not in KNOWN_RULES]
    if unknown:
        # Raised errors become a tool result with isError=true.
        raise ValueError(f"unknown rule(s): {', '.join(unknown)}; known rules: {', '.join(KNOWN_RULES)}")

    issues: list[dict[str, Any]] = []
    if "non_empty" in selected and not content.strip():
        issues.append({"rule": "non_empty", "message": "content is empty"})
    if "max_length" in selected and len(content) > MAX_LENGTH:
        issues.append(
            {
                "rule": "max_length",
                "message": f"content is {len(content)} characters, over the limit of {MAX_LENGTH}",
            }
        )
    if "banned_words" in selected:
        words = {w.strip(".,;:!?()[]{}\"'`") for w in content.split()}
        for banned in BANNED_WORDS:
            if banned in words:
                issues.append({"rule": "banned_words", "message": f"banned word: {banned}", "word": banned})
    return {"valid": not issues, "issues": issues, "length": len(content), "rules": selected}


def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        return JSONResponse(_last_request or {"method": None, "path": None, "headers": {}})

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "stateful": stateful, "json_response": json_response})

    return server


class RecordRequests:
    """ASGI middleware: remember the last request to /mcp (for /debug/last-request)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and scope.get("path", "").startswith("/mcp"):
            headers: dict[str, str] = {}
            for k, v in scope.get("headers", []):
                name = k.decode("latin-1")
                value = v.decode("latin-1")
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            _last_request.clear()
            _last_request.update(
                {
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "query": scope.get("query_string", b"").decode("latin-1"),
                    "headers": headers,
                }
            )
        await self.app(scope, receive, send)


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
