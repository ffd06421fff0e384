// `proxy-pools …`: proxy pools through the JSON store, URLs always masked (`toProxyPoolSummary`).

import { testProxyPool } from "../index.js";
import { toProxyPoolSummary } from "../proxy-test.js";
import type { ProxyPool } from "../types.js";
import { CliError, EXIT, int, notFound, str, usageError, type Command, type Context, type Flag } from "./command.js";
import { boundConnectionCount } from "../operator.js";
import { fields, table } from "./format.js";

const HEADER = ["id", "name", "type", "proxyUrl", "active", "test", "lastTestedAt", "bound"];
const rows = (pools: (ProxyPool & { boundConnectionCount?: number })[]) =>
  pools.map((p) => [p.id, p.name, p.type, p.proxyUrl, p.isActive, p.testStatus, p.lastTestedAt, p.boundConnectionCount]);

const EDIT_FLAGS: Record<string, Flag> = {
  name: { type: "string", description: "the pool's name", valueName: "NAME" },
  url: { type: "string", description: "the proxy URL (http://user:pass@host:port) or relay URL", valueName: "URL" },
  "no-proxy": { type: "string", description: "NO_PROXY patterns (comma-separated)", valueName: "LIST" },
  type: { type: "string", description: "http (default) or vercel", valueName: "T" },
  strict: { type: "boolean", description: "strictProxy: never fall back to a direct connection" },
};

function poolFields(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (str(values.name) !== undefined) out.name = str(values.name)!.trim();
  if (str(values.url) !== undefined) out.proxyUrl = str(values.url)!.trim();
  if (str(values["no-proxy"]) !== undefined) out.noProxy = str(values["no-proxy"])!.trim();
  if (str(values.type) !== undefined) {
    if (!["http", "vercel"].includes(str(values.type)!)) throw usageError(`--type is http or vercel, not ${JSON.stringify(values.type)}`);
    out.type = str(values.type);
  }
  if (values.strict === true) out.strictProxy = true;
  return out;
}

async function pool(ctx: Context, id: string): Promise<ProxyPool> {
  const found = await ctx.files().connections.getProxyPoolById(id);
  if (found === null) throw notFound(`proxy pool not found: ${id}`);
  return found;
}

function shown(p: ProxyPool) {
  const summary = toProxyPoolSummary(p);
  return { json: { proxyPool: summary }, human: () => fields(summary as Record<string, unknown>) };
}

export const proxyPoolCommands: Command[] = [
  {
    path: ["proxy-pools", "list"],
    summary: "proxy pools (newest change first), URLs masked, with their bound connection counts",
    flags: {
      active: { type: "boolean", description: "only active pools" },
      inactive: { type: "boolean", description: "only inactive pools" },
    },
    async run(ctx, _p, values) {
      if (values.active && values.inactive) throw usageError("--active and --inactive exclude each other");
      const filter = values.active ? { isActive: true } : values.inactive ? { isActive: false } : {};
      const store = ctx.files().connections;
      const [pools, connections] = await Promise.all([store.getProxyPools(filter), store.getProviderConnections()]);
      const list = pools.map((p) => ({ ...toProxyPoolSummary(p), boundConnectionCount: boundConnectionCount(connections, p.id) }));
      return { json: { count: list.length, proxyPools: list }, human: () => table(HEADER, rows(list), ["bound"]) };
    },
  },
  {
    path: ["proxy-pools", "show"],
    summary: "one proxy pool, URL masked",
    args: "<id>",
    positionals: [1, 1],
    async run(ctx, [id]) {
      return shown(await pool(ctx, id));
    },
  },
  {
    path: ["proxy-pools", "add"],
    summary: "add a proxy pool (--name and --url required)",
    writes: true,
    flags: { ...EDIT_FLAGS, inactive: { type: "boolean", description: "add it disabled" } },
    async run(ctx, _p, values) {
      const data = { type: "http", isActive: values.inactive !== true, ...poolFields(values) } as Record<string, unknown>;
      if (!data.name) throw usageError("proxy-pools add needs --name");
      if (!data.proxyUrl) throw usageError("proxy-pools add needs --url");
      return shown(await ctx.files().connections.createProxyPool(data as any));
    },
  },
  {
    path: ["proxy-pools", "update"],
    summary: "change fields of a proxy pool (only the flags given)",
    args: "<id>",
    positionals: [1, 1],
    writes: true,
    flags: { ...EDIT_FLAGS, active: { type: "boolean", description: "enable it" }, inactive: { type: "boolean", description: "disable it" } },
    async run(ctx, [id], values) {
      await pool(ctx, id);
      const patch = poolFields(values);
      if (patch.name === "") throw usageError("--name cannot be empty");
      if (patch.proxyUrl === "") throw usageError("--url cannot be empty");
      if (values.active && values.inactive) throw usageError("--active and --inactive exclude each other");
      if (values.active) patch.isActive = true;
      if (values.inactive) patch.isActive = false;
      if (Object.keys(patch).length === 0) throw usageError("proxy-pools update: nothing to change");
      const updated = await ctx.files().connections.updateProxyPool(id, patch as any);
      if (updated === null) throw notFound(`proxy pool not found: ${id}`);
      return shown(updated);
    },
  },
  {
    path: ["proxy-pools", "remove"],
    summary: "delete a proxy pool; refused while connections use it",
    args: "<id>",
    positionals: [1, 1],
    writes: true,
    async run(ctx, [id]) {
      const store = ctx.files().connections;
      await pool(ctx, id);
      // Two store calls (count, then delete), as the reference's route: not one locked step.
      const bound = boundConnectionCount(await store.getProviderConnections(), id);
      if (bound > 0) {
        throw new CliError(EXIT.failure, `proxy pool ${id} is in use by ${bound} connection(s); reassign them first`, "PIE_PROXY_POOL_IN_USE");
      }
      await store.deleteProxyPool(id);
      return { json: { success: true }, human: () => `deleted proxy pool ${id}` };
    },
  },
  {
    path: ["proxy-pools", "test"],
    summary: "one request through the pool; stores testStatus, lastTestedAt, lastError",
    args: "<id>",
    positionals: [1, 1],
    writes: true,
    flags: {
      timeout: { type: "string", description: "milliseconds (default 8000, relay 10000, at most 30000)", valueName: "MS" },
      target: { type: "string", description: "the URL fetched through the pool", valueName: "URL" },
      "set-active": { type: "boolean", description: "also set isActive = ok (the reference's behaviour)" },
    },
    async run(ctx, [id], values) {
      await pool(ctx, id);
      const result = await ctx.progress(`testing proxy pool ${id}`, () =>
        testProxyPool(ctx.files().connections, id, {
          timeoutMs: int(values.timeout, "timeout"),
          targetUrl: str(values.target),
          setActive: values["set-active"] === true,
        }),
      );
      return {
        json: result,
        exitCode: result.ok ? EXIT.ok : EXIT.failure,
        human: () =>
          result.ok
            ? `ok: ${result.status} ${result.statusText ?? ""} in ${result.elapsedMs} ms`
            : `failed: ${result.status} ${result.error ?? result.statusText ?? ""} (${result.elapsedMs} ms)`,
      };
    },
  },
];
