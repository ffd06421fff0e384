// `pie-storage serve`: the admin server. The core decides the route, the token, the query, the
// body coercions and the answers (core/src/admin, `adminCall`); this file reads requests,
// calls the store each route names and writes the answer. Nothing here blocks the event loop:
// every store call is async, static files are streamed.

import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { evaluateBudget, resolveRoutePlan } from "../routing.js";
import { testProxyPool } from "../index.js";
import { parseUsageJsonl } from "../usage.js";
import { getPriceTableInfo } from "../pricing.js";
import { call, toWireArgs, wasm } from "../wasm.js";
import { openAgentFiles, type AgentFiles } from "./agent-files.js";

export interface AdminServerOptions {
  /** The agent directory (default: the environment's, as the package's default paths). */
  agentDir?: string;
  env?: Record<string, string | undefined>;
  /** Default `127.0.0.1`. Anything else exposes the server beyond this machine: say so. */
  host?: string;
  /** Default `PIE_LAB_SERVER_PORT`, else 4873; 0 picks a free port. */
  port?: number;
  /** The operator's token for mutating requests (default: 24 random bytes, hex). */
  token?: string;
  /** Epoch milliseconds of "now" (tests). */
  now?: () => number;
}

export interface AdminServer {
  url: string;
  token: string;
  port: number;
  host: string;
  files: AgentFiles;
  close(): Promise<void>;
}

type Json = unknown;
interface Answer {
  status: number;
  body: Json;
}
interface Refused {
  refused: Answer;
}
/** What `routeParams` reads from the query string for a route. */
interface RouteParams {
  hard?: boolean;
  filter?: Record<string, unknown>;
  includeUsage?: boolean;
  provider?: string | null;
  model?: string | null;
  estimateUsd?: string | null;
  period?: string;
}
interface Context {
  param: string;
  params: RouteParams;
  provider?: string;
  model?: string;
  query: [string, string][];
  body: Json;
  files: AgentFiles;
  now: number;
}
type Handler = (ctx: Context) => Promise<Answer | StreamAnswer>;
interface StreamAnswer {
  stream: (res: ServerResponse) => Promise<void> | void;
}

/** One admin rule of the core, by name. */
export function admin<T = Json>(name: string, ...args: unknown[]): T {
  return JSON.parse(call(() => wasm().adminCall(name, toWireArgs(args, "the argument")))) as T;
}

function isRefused(v: unknown): v is Refused {
  return typeof v === "object" && v !== null && "refused" in v;
}

const ok = (body: Json, status = 200): Answer => ({ status, body });
const notFound = (message: string): Answer => ({ status: 404, body: { error: message } });

const adminDir = fileURLToPath(new URL("../../admin/", import.meta.url));
const packageDir = fileURLToPath(new URL("../../", import.meta.url));
const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

function fileAnswer(path: string, shown: string): StreamAnswer {
  return {
    async stream(res) {
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) {
        writeJson(res, 404, { error: { message: "Not found", path: shown } }, false);
        return;
      }
      res.writeHead(200, {
        "content-type": MIME[extname(path)] ?? "application/octet-stream",
        "content-length": info.size,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
      });
      await new Promise<void>((resolve) => createReadStream(path).on("end", resolve).on("error", () => resolve()).pipe(res));
    },
  };
}

/** The usage file's new complete lines, from `offset`, as records (the core parses them). */
async function readAppended(path: string, offset: number): Promise<{ records: unknown[]; offset: number }> {
  const handle = await open(path, "r").catch(() => null);
  if (!handle) return { records: [], offset };
  try {
    const { size } = await handle.stat();
    if (size < offset) return { records: [], offset: size };
    if (size === offset) return { records: [], offset };
    const length = Math.min(size - offset, 8 << 20);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    const end = buffer.subarray(0, bytesRead).lastIndexOf(10) + 1;
    if (end === 0) return { records: [], offset };
    const { records } = parseUsageJsonl(buffer.subarray(0, end));
    return { records, offset: offset + end };
  } finally {
    await handle.close();
  }
}

function usageStream(ctx: Context): StreamAnswer {
  return {
    async stream(res) {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "access-control-allow-origin": "*",
      });
      res.write(": connected\n\n");
      const path = ctx.files.paths.usage;
      let offset = (await stat(path).catch(() => ({ size: 0 }))).size;
      let busy = false;
      const poll = setInterval(async () => {
        if (busy) return;
        busy = true;
        try {
          const next = await readAppended(path, offset);
          offset = next.offset;
          for (const record of next.records) res.write(`event: usage\ndata: ${JSON.stringify(record)}\n\n`);
        } finally {
          busy = false;
        }
      }, 500);
      const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 25_000);
      await new Promise<void>((resolve) => res.on("close", resolve));
      clearInterval(poll);
      clearInterval(keepAlive);
    },
  };
}

async function connectionUpdate(ctx: Context): Promise<Answer> {
  const { connections } = ctx.files;
  const existing = await connections.getProviderConnectionById(ctx.param);
  if (!existing) return notFound("Connection not found");
  const pools = await connections.getProxyPools();
  const input = admin<Record<string, unknown> | Refused>("connectionUpdate", ctx.body, existing, pools);
  if (isRefused(input)) return input.refused;
  const connection = await connections.updateProviderConnection(ctx.param, input as never);
  if (!connection) return notFound("Connection not found");
  return ok({ connection: admin("connectionSummary", connection) });
}

async function connectionDelete(ctx: Context): Promise<Answer> {
  const { connections } = ctx.files;
  if (ctx.params.hard) {
    const deleted = await connections.deleteProviderConnection(ctx.param);
    return deleted ? ok({ success: true, deleted: true }) : notFound("Connection not found");
  }
  const connection = await connections.updateProviderConnection(ctx.param, admin("connectionSoftDelete") as never);
  if (!connection) return notFound("Connection not found");
  return ok({ success: true, deleted: false, connection: admin("connectionSummary", connection) });
}

async function poolList(ctx: Context): Promise<Answer> {
  const { connections } = ctx.files;
  const pools = await connections.getProxyPools(ctx.params.filter);
  return ok(admin("proxyPoolList", pools, ctx.params.includeUsage ? await connections.getProviderConnections() : undefined));
}

async function poolUpdate(ctx: Context): Promise<Answer> {
  const { connections } = ctx.files;
  const existing = await connections.getProxyPoolById(ctx.param);
  if (!existing) return notFound("Proxy pool not found");
  const input = admin<Record<string, unknown> | Refused>("proxyPoolUpdate", ctx.body, existing);
  if (isRefused(input)) return input.refused;
  const pool = await connections.updateProxyPool(ctx.param, input as never);
  return pool ? ok({ proxyPool: admin("proxyPoolSummary", pool) }) : notFound("Proxy pool not found");
}

async function poolDelete(ctx: Context): Promise<Answer> {
  const { connections } = ctx.files;
  if (!(await connections.getProxyPoolById(ctx.param))) return notFound("Proxy pool not found");
  const check = admin<{ ok: true } | Refused>("proxyPoolDeletable", ctx.param, await connections.getProviderConnections());
  if (isRefused(check)) return check.refused;
  await connections.deleteProxyPool(ctx.param);
  return ok({ success: true });
}

async function policyEdit(ctx: Context, op: "policySave" | "policyDelete", part: string): Promise<Answer> {
  const settings = (await ctx.files.connections.getSettings()) as { routerPolicy?: unknown };
  const edit = admin<{ policy: unknown; response: Json } | Refused>(op, part, settings.routerPolicy ?? null, op === "policySave" ? ctx.body : ctx.param);
  if (isRefused(edit)) return edit.refused;
  await ctx.files.connections.updateSettings({ routerPolicy: edit.policy } as never);
  return ok(edit.response);
}

async function usageRecords(ctx: Context, route: string): Promise<unknown[]> {
  const query = admin("usageQuery", route, ctx.query, ctx.param, ctx.now);
  return ctx.files.usage.queryUsage(query as never);
}

const handlers: Record<string, Handler> = {
  "usage.list": async (ctx) => {
    const records = await usageRecords(ctx, "usage.list");
    return ok({ count: records.length, records });
  },
  "usage.summary": async (ctx) => {
    const query = admin("usageQuery", "usage.summary", ctx.query);
    const summary = (await ctx.files.usage.summarizeUsage(query as never)) as { records: number };
    return ok({ count: summary.records, summary });
  },
  "usage.detail": async (ctx) => ok(admin("usageDetail", ctx.param, await usageRecords(ctx, "usage.detail"))),
  "usage.jsonl": async (ctx) => fileAnswerOrEmpty(ctx.files.paths.usage),
  "usage.chart": async (ctx) => {
    const query = admin<Record<string, unknown> | Refused>("usageQuery", "usage.chart", ctx.query, "", ctx.now);
    if (isRefused(query)) return query.refused;
    const records = await ctx.files.usage.queryUsage(query as never);
    return ok(admin("usageChart", records, ctx.params.period, ctx.now));
  },
  "usage.stream": async (ctx) => usageStream(ctx),
  "requestDetails.list": async (ctx) => ok(await ctx.files.requestDetails.getRequestDetails(admin("usageQuery", "requestDetails.list", ctx.query) as never)),
  "requestDetails.get": async (ctx) => {
    const detail = await ctx.files.requestDetails.getRequestDetail(ctx.param);
    return detail ? ok({ detail }) : notFound("Request detail not found");
  },
  "connections.list": async (ctx) => {
    const list = await ctx.files.connections.getProviderConnections(ctx.params.filter);
    return ok(admin("connectionList", list));
  },
  "connections.create": async (ctx) => {
    const input = admin<Record<string, unknown> | Refused>("connectionCreate", ctx.body);
    if (isRefused(input)) return input.refused;
    const connection = await ctx.files.connections.createProviderConnection(input as never);
    return ok({ connection: admin("connectionSummary", connection) }, 201);
  },
  "connections.get": async (ctx) => {
    const connection = await ctx.files.connections.getProviderConnectionById(ctx.param);
    return connection ? ok({ connection: admin("connectionSummary", connection) }) : notFound("Connection not found");
  },
  "connections.update": connectionUpdate,
  "connections.delete": connectionDelete,
  "proxyPools.list": poolList,
  "proxyPools.create": async (ctx) => {
    const input = admin<Record<string, unknown> | Refused>("proxyPoolCreate", ctx.body);
    if (isRefused(input)) return input.refused;
    const pool = await ctx.files.connections.createProxyPool(input as never);
    return ok({ proxyPool: admin("proxyPoolSummary", pool) }, 201);
  },
  "proxyPools.get": async (ctx) => {
    const pool = await ctx.files.connections.getProxyPoolById(ctx.param);
    return pool ? ok({ proxyPool: admin("proxyPoolSummary", pool) }) : notFound("Proxy pool not found");
  },
  "proxyPools.update": poolUpdate,
  "proxyPools.delete": poolDelete,
  "proxyPools.test": async (ctx) => {
    if (!(await ctx.files.connections.getProxyPoolById(ctx.param))) return notFound("Proxy pool not found");
    return ok(await testProxyPool(ctx.files.connections, ctx.param));
  },
  "settings.get": async (ctx) => ok({ settings: await ctx.files.connections.getSettings() }),
  "settings.update": async (ctx) => {
    const settings = await ctx.files.connections.updateSettings(admin("settingsUpdate", ctx.body) as never);
    return ok({ settings });
  },
  "policy.get": async (ctx) => ok({ policy: ((await ctx.files.connections.getSettings()) as { routerPolicy?: unknown }).routerPolicy }),
  "policy.replace": async (ctx) => {
    const policy = admin("policyReplace", ctx.body);
    await ctx.files.connections.updateSettings({ routerPolicy: policy } as never);
    return ok({ policy });
  },
  "policy.combo.save": (ctx) => policyEdit(ctx, "policySave", "combo"),
  "policy.combo.delete": (ctx) => policyEdit(ctx, "policyDelete", "combo"),
  "policy.alias.save": (ctx) => policyEdit(ctx, "policySave", "alias"),
  "policy.alias.delete": (ctx) => policyEdit(ctx, "policyDelete", "alias"),
  "policy.intent.save": (ctx) => policyEdit(ctx, "policySave", "intent"),
  "policy.intent.delete": (ctx) => policyEdit(ctx, "policyDelete", "intent"),
  "policy.preview": async (ctx) => {
    const body = (ctx.body ?? {}) as { model?: unknown; requestedModel?: unknown; policy?: unknown };
    const model = typeof body.model === "string" ? body.model : typeof body.requestedModel === "string" ? body.requestedModel : "";
    const settings = body.policy ?? (await ctx.files.connections.getSettings());
    return ok(resolveRoutePlan(model, settings as never).plan);
  },
  accountSelection: async (ctx) => {
    const connections = await ctx.files.connections.getProviderConnections();
    const settings = await ctx.files.connections.getSettings();
    return ok(admin("accountSelection", connections, settings, ctx.params.provider, ctx.params.model, ctx.now));
  },
  "availability.get": async (ctx) => ok(admin("availability", await ctx.files.connections.getProviderConnections(), ctx.now)),
  "availability.action": async (ctx) => {
    const action = admin<{ provider: string; model: string | null } | Refused>("cooldownAction", ctx.body);
    if (isRefused(action)) return action.refused;
    return ok(await ctx.files.connections.clearModelCooldown(action.provider, action.model));
  },
  "quota.list": async (ctx) => ok(admin("connectionList", await ctx.files.connections.getProviderConnections())),
  "quota.refresh": async () => ok({ error: { message: "Quota refresh needs a provider fetcher; this server has none." } }, 501),
  budget: async (ctx) => {
    const records = await usageRecords(ctx, "budget");
    const settings = await ctx.files.connections.getSettings();
    const { provider, estimateUsd } = ctx.params;
    const budget = evaluateBudget({ settings, provider, estimateUsd, records: records as never, now: ctx.now });
    return ok({ budget });
  },
  "pricing.get": async (ctx) => ok({ ...(await ctx.files.pricing.listPriceOverrides()), table: getPriceTableInfo() }),
  "pricing.set": async (ctx) => {
    const body = (ctx.body ?? {}) as { provider?: unknown; model?: unknown; rates?: unknown };
    return ok(await ctx.files.pricing.setPriceOverride(body.provider as string, body.model as string, body.rates as never));
  },
  "pricing.delete": async (ctx) => ok({ deleted: await ctx.files.pricing.deletePriceOverride(ctx.provider ?? "", ctx.model) }),
  "pricing.reset": async (ctx) => {
    await ctx.files.pricing.resetPriceOverrides();
    return ok({ overrides: {} });
  },
  "session.get": async (ctx) => ok({ agentDir: ctx.files.paths.agentDir, tokenHeader: "x-pie-admin-token" }),
  "session.check": async () => ({ status: 204, body: null }),
  page: async () => fileAnswer(join(adminDir, "index.html"), "/"),
  asset: async (ctx) => fileAnswer(join(adminDir, ctx.param), `/admin/${ctx.param}`),
  package: async (ctx) => fileAnswer(join(packageDir, ctx.param), `/pkg/${ctx.param}`),
};

function fileAnswerOrEmpty(path: string): StreamAnswer {
  return {
    async stream(res) {
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) {
        res.writeHead(200, { "content-type": "application/x-ndjson", "content-length": 0, "access-control-allow-origin": "*" });
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/x-ndjson", "content-length": info.size, "access-control-allow-origin": "*" });
      await new Promise<void>((resolve) => createReadStream(path, { end: info.size - 1 }).on("end", resolve).on("error", () => resolve()).pipe(res));
    },
  };
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "content-type, authorization, x-pie-admin-token",
  "access-control-allow-methods": "GET, POST, PUT, DELETE, OPTIONS",
};

function writeJson(res: ServerResponse, status: number, body: Json, cors: boolean): void {
  const text = body === null ? "" : `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    ...(cors ? CORS : {}),
    ...(text ? { "content-type": "application/json; charset=utf-8" } : {}),
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** The body, stopping at the core's size limit (`null` when there is none). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return "too-large";
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === "string" ? v : null;
}

interface RouteWire {
  kind: "preflight" | "route" | "respond";
  status?: number;
  body?: Json;
  name?: string;
  param?: string;
  provider?: string;
  model?: string;
  mutates?: boolean;
  cors?: boolean;
}

async function handle(req: IncomingMessage, res: ServerResponse, files: AgentFiles, token: string, now: () => number): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const route = admin<RouteWire>("route", req.method ?? "GET", url.pathname);
  if (route.kind === "preflight") return writeJson(res, 204, null, true);
  if (route.kind === "respond") return writeJson(res, route.status ?? 500, route.body ?? null, true);
  const cors = route.cors === true;
  if (route.mutates) {
    const check = admin<{ ok: true } | Refused>("checkToken", token, header(req, "x-pie-admin-token"), header(req, "authorization"));
    if (isRefused(check)) return writeJson(res, check.refused.status, check.refused.body, false);
  }
  let body: Json = null;
  if (req.method === "POST" || req.method === "PUT" || req.method === "DELETE") {
    const raw = await readBody(req, admin<number>("maxBodyBytes"));
    if (raw === "too-large") {
      res.setHeader("connection", "close");
      return writeJson(res, 413, { error: { message: "Request body too large", code: "PIE_INVALID_INPUT" } }, false);
    }
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        return writeJson(res, 400, { error: { message: "The request body is not valid JSON", code: "PIE_INVALID_JSON" } }, cors);
      }
    }
  }
  const handler = handlers[route.name ?? ""];
  const query = [...url.searchParams];
  const params = admin<RouteParams>("routeParams", route.name ?? "", query);
  const ctx: Context = { param: route.param ?? "", params, provider: route.provider, model: route.model, query, body, files, now: now() };
  try {
    const answer = await handler(ctx);
    if ("stream" in answer) return await answer.stream(res);
    writeJson(res, answer.status, answer.body, cors);
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown };
    const shown = admin<Answer>("errorResponse", typeof e.code === "string" ? e.code : "", typeof e.code === "string" ? String(e.message ?? "") : "");
    if (!res.headersSent) writeJson(res, shown.status, shown.body, cors);
    else res.destroy();
  }
}

/** Starts the admin server; resolves once it listens. */
export async function startAdminServer(options: AdminServerOptions = {}): Promise<AdminServer> {
  const env = options.env ?? process.env;
  const files = openAgentFiles({ agentDir: options.agentDir, env });
  const token = options.token ?? randomBytes(24).toString("hex");
  const host = options.host ?? "127.0.0.1";
  const envPort = Number.parseInt(env.PIE_LAB_SERVER_PORT ?? "", 10);
  const port = options.port ?? (Number.isFinite(envPort) ? envPort : 4873);
  const now = options.now ?? Date.now;
  const server: Server = createServer((req, res) => {
    handle(req, res, files, token, now).catch(() => {
      if (!res.headersSent) writeJson(res, 500, { error: { message: "Internal error", code: "PIE_STORAGE_ERROR" } }, false);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    token,
    port: address.port,
    host,
    files,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
