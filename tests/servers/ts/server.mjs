#!/usr/bin/env node
// A real MCP server on the TypeScript SDK (@modelcontextprotocol/sdk, pinned in package.json and
// package-lock.json; `npm ci` installs it) for tokdiag's integration tests.
//
// Streamable HTTP at http://127.0.0.1:PORT/mcp through StreamableHTTPServerTransport with
// `sessionIdGenerator: undefined` (stateless, as the AgentCore MCP contract asks): a fresh server
// and transport per request, as the SDK's stateless example does. SSE answers unless
// --json-response (`enableJsonResponse: true`). Loopback only.
//
//   node tests/servers/ts/server.mjs --port 8002
//   node tests/servers/ts/server.mjs --port 8002 --json-response
//   node tests/servers/ts/server.mjs --port 8002 --gateway
//
// --gateway names the tools as an AgentCore gateway does, `<target>___<tool>`: content___validate_content,
// content___echo and other___echo (so `echo` alone is ambiguous and `validate_content` is not).
//
// Same tools and extra routes as the Python servers (../content_tools.py): validate_content, echo,
// GET /healthz, GET /debug/last-request.

import http from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

const BANNED_WORDS = ["TODO", "FIXME", "XXX"];
const MAX_LENGTH = 10000;
const KNOWN_RULES = ["non_empty", "max_length", "banned_words"];
const MAX_BODY = 1024 * 1024;

function validateContent(content, rules) {
  const selected = rules == null ? [...KNOWN_RULES] : [...rules];
  const unknown = selected.filter((r) => !KNOWN_RULES.includes(r));
  if (unknown.length) {
    throw new Error(`unknown rule(s): ${unknown.join(", ")}; known rules: ${KNOWN_RULES.join(", ")}`);
  }
  const issues = [];
  if (selected.includes("non_empty") && content.trim() === "") {
    issues.push({ rule: "non_empty", message: "content is empty" });
  }
  if (selected.includes("max_length") && content.length > MAX_LENGTH) {
    issues.push({
      rule: "max_length",
      message: `content is ${content.length} characters, over the limit of ${MAX_LENGTH}`,
    });
  }
  if (selected.includes("banned_words")) {
    const words = new Set(content.split(/\s+/).map((w) => w.replace(/^[.,;:!?()[\]{}"'`]+|[.,;:!?()[\]{}"'`]+$/g, "")));
    for (const banned of BANNED_WORDS) {
      if (words.has(banned)) issues.push({ rule: "banned_words", message: `banned word: ${banned}`, word: banned });
    }
  }
  return { valid: issues.length === 0, issues, length: content.length, rules: selected };
}

function build(gateway) {
  const name = (target, tool) => (gateway ? `${target}___${tool}` : tool);
  const server = new McpServer(
    { name: "tokdiag-test-mcp-ts", version: "1.0.0" },
    { instructions: "Test MCP server (TypeScript SDK) for tokdiag: validate_content and echo." },
  );
  server.registerTool(
    name("content", "validate_content"),
    {
      description: "Validate a piece of text content.",
      inputSchema: { content: z.string(), rules: z.array(z.string()).nullable().optional() },
    },
    async ({ content, rules }) => {
      try {
        const result = validateContent(content, rules);
        return { content: [{ type: "text", text: JSON.stringify(result, null, 2) }], structuredContent: result };
      } catch (e) {
        return { content: [{ type: "text", text: `Error executing tool validate_content: ${e.message}` }], isError: true };
      }
    },
  );
  const echo = [
    { description: "Return the text unchanged.", inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  ];
  server.registerTool(name("content", "echo"), ...echo);
  if (gateway) server.registerTool(name("other", "echo"), ...echo);
  return server;
}

function args(argv) {
  const out = { port: 8002, host: "127.0.0.1", json: false, gateway: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--port") out.port = Number(argv[++i]);
    else if (argv[i] === "--host") out.host = argv[++i];
    else if (argv[i] === "--json-response") out.json = true;
    else if (argv[i] === "--gateway") out.gateway = true;
    else {
      console.error(`unknown argument: ${argv[i]}`);
      process.exit(2);
    }
  }
  if (!["127.0.0.1", "::1", "localhost"].includes(out.host)) {
    console.error(`--host ${out.host}: this test server binds loopback addresses only`);
    process.exit(2);
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) {
    console.error("--port: not a port number");
    process.exit(2);
  }
  return out;
}

const opts = args(process.argv.slice(2));
let lastRequest = null;

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const httpServer = http.createServer(async (req, res) => {
  const path = (req.url || "/").split("?")[0];
  if (req.method === "GET" && path === "/healthz") {
    return sendJson(res, 200, { status: "ok", sdk: "typescript", json_response: opts.json, gateway: opts.gateway });
  }
  if (req.method === "GET" && path === "/debug/last-request") {
    return sendJson(res, 200, lastRequest ?? { method: null, path: null, headers: {} });
  }
  if (path !== "/mcp") {
    return sendJson(res, 404, { error: "not found" });
  }
  const headers = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i].toLowerCase();
    headers[k] = k in headers ? `${headers[k]}, ${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1];
  }
  lastRequest = { method: req.method, path, query: (req.url || "").split("?")[1] ?? "", headers };
  let body;
  if (req.method === "POST") {
    const chunks = [];
    let size = 0;
    for await (const c of req) {
      size += c.length;
      if (size > MAX_BODY) return sendJson(res, 413, { error: "body too large" });
      chunks.push(c);
    }
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      body = undefined; // the transport answers the parse error itself
    }
  }
  const server = build(opts.gateway);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: opts.json });
  res.on("close", () => {
    transport.close();
    server.close();
  });
  try {
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  } catch (e) {
    if (!res.headersSent) sendJson(res, 500, { jsonrpc: "2.0", error: { code: -32603, message: String(e) }, id: null });
  }
});

httpServer.listen(opts.port, opts.host, () => {
  const mode = opts.json ? "json" : "sse";
  console.error(`tokdiag test MCP server (TypeScript SDK): http://${opts.host}:${opts.port}/mcp (stateless, ${mode})`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
