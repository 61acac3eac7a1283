"""What the tokdiag test MCP servers share, whatever their SDK: the tools (`validate_content`,
`echo`), the loopback check, and the ASGI middleware behind `GET /debug/last-request`.

No `mcp` import here: the Python SDK 1.x server (mcp_server.py) and the 2.x one (mcp2_server.py)
run in different venvs.
"""

from __future__ import annotations

import ipaddress
from typing import Any

BANNED_WORDS = ("TODO", "FIXME", "XXX")
MAX_LENGTH = 10_000
KNOWN_RULES = ("non_empty", "max_length", "banned_words")


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


LAST_REQUEST: dict[str, Any] = {}


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
            LAST_REQUEST.clear()
            LAST_REQUEST.update(
                {
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "query": scope.get("query_string", b"").decode("latin-1"),
                    "headers": headers,
                }
            )
        await self.app(scope, receive, send)
