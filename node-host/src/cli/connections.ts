// `connections …`: provider connections through the JSON store. Output is always the redacted
// summary (§7.2 `toProviderConnectionSummary`); API keys come from stdin or PIE_API_KEY.

import { admin } from "../admin/server.js";
import { toProviderConnectionSummary } from "../connections.js";
import type { ProviderConnection, ProviderConnectionSummary } from "../types.js";
import { EXIT, num, notFound, str, usageError, type Command, type Context, type Flag } from "./command.js";
import { fields, table } from "./format.js";

const summaryRows = (list: ProviderConnectionSummary[]) =>
  list.map((c) => [c.id, c.provider, c.name ?? c.displayName ?? c.email, c.authType, c.priority, c.isActive, c.hasApiKey || c.hasAccessToken, c.testStatus, (c.providerSpecificData as any)?.proxyPoolId]);
const HEADER = ["id", "provider", "name", "auth", "priority", "active", "credential", "test", "proxyPool"];

export function summaryText(c: ProviderConnectionSummary): string {
  return fields(c as Record<string, unknown>);
}

/** The key from `--api-key-stdin`, `PIE_API_KEY` or (with a warning) `--api-key`; undefined if none. */
async function apiKey(ctx: Context, values: Record<string, unknown>): Promise<string | undefined> {
  if (values["api-key-stdin"] === true) {
    const key = (await ctx.readStdin()).trim();
    if (key === "") throw usageError("--api-key-stdin: stdin was empty");
    return key;
  }
  const flag = str(values["api-key"]);
  if (flag !== undefined) {
    ctx.warn("--api-key puts the key in your shell history; prefer --api-key-stdin or PIE_API_KEY");
    return flag;
  }
  const env = ctx.env.PIE_API_KEY;
  return env !== undefined && env !== "" ? env : undefined;
}

/**
 * `providerSpecificData` with `proxyPoolId` set (a pool that must exist) or removed (`none`).
 * The existence check and the write are two store calls, not one locked step.
 */
async function withProxyPool(ctx: Context, base: Record<string, unknown> | null | undefined, value: string): Promise<Record<string, unknown>> {
  const data = { ...(base ?? {}) };
  if (value === "none" || value === "") {
    delete data.proxyPoolId;
    return data;
  }
  if ((await ctx.files().connections.getProxyPoolById(value)) === null) throw notFound(`proxy pool not found: ${value}`);
  data.proxyPoolId = value;
  return data;
}

async function existing(ctx: Context, id: string): Promise<ProviderConnection> {
  const found = await ctx.files().connections.getProviderConnectionById(id);
  if (found === null) throw notFound(`connection not found: ${id}`);
  return found;
}

function shown(connection: ProviderConnection | null, id: string) {
  if (connection === null) throw notFound(`connection not found: ${id}`);
  const summary = toProviderConnectionSummary(connection);
  return { json: { connection: summary }, human: () => summaryText(summary) };
}

const EDIT_FLAGS: Record<string, Flag> = {
  name: { type: "string", description: "a name", valueName: "NAME" },
  "display-name": { type: "string", description: "a display name", valueName: "NAME" },
  email: { type: "string", description: "an e-mail", valueName: "EMAIL" },
  "auth-type": { type: "string", description: "apikey (default for add) or oauth", valueName: "T" },
  priority: { type: "string", description: "lower is tried first", valueName: "N" },
  "project-id": { type: "string", description: "a project id", valueName: "ID" },
  "proxy-pool": { type: "string", description: "a proxy pool id, or none", valueName: "ID" },
  "api-key-stdin": { type: "boolean", description: "read the API key from stdin (else PIE_API_KEY)" },
  "api-key": { type: "string", description: "the API key (lands in shell history: prefer stdin)", valueName: "KEY" },
};

/** The plain fields the edit flags set (trimmed strings as §7.2 stores them). */
function editFields(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const text: [string, string][] = [["name", "name"], ["display-name", "displayName"], ["email", "email"], ["project-id", "projectId"]];
  for (const [flag, key] of text) {
    const v = str(values[flag]);
    if (v !== undefined) out[key] = v.trim() === "" ? null : v.trim();
  }
  const auth = str(values["auth-type"]);
  if (auth !== undefined) out.authType = auth;
  const priority = num(values.priority, "priority");
  if (priority !== undefined) out.priority = priority;
  return out;
}

export const connectionCommands: Command[] = [
  {
    path: ["connections", "list"],
    summary: "the provider connections in store order (by priority), without secrets",
    flags: {
      provider: { type: "string", description: "only this provider", valueName: "P" },
      active: { type: "boolean", description: "only active connections" },
      inactive: { type: "boolean", description: "only inactive connections" },
    },
    async run(ctx, _p, values) {
      const filter: { provider?: string; isActive?: boolean } = {};
      if (str(values.provider)) filter.provider = str(values.provider);
      if (values.active && values.inactive) throw usageError("--active and --inactive exclude each other");
      if (values.active) filter.isActive = true;
      if (values.inactive) filter.isActive = false;
      const list = (await ctx.files().connections.getProviderConnections(filter)).map(toProviderConnectionSummary);
      return { json: { count: list.length, connections: list }, human: () => table(HEADER, summaryRows(list), ["priority"]) };
    },
  },
  {
    path: ["connections", "show"],
    summary: "one connection, without secrets",
    args: "<id>",
    positionals: [1, 1],
    async run(ctx, [id]) {
      return shown(await ctx.files().connections.getProviderConnectionById(id), id);
    },
  },
  {
    path: ["connections", "add"],
    summary: "add a connection (the API key from --api-key-stdin or PIE_API_KEY)",
    writes: true,
    flags: {
      provider: { type: "string", description: "the provider id (required)", valueName: "P" },
      ...EDIT_FLAGS,
      inactive: { type: "boolean", description: "add it disabled" },
    },
    details: "Example:\n  printf %s \"$KEY\" | pie-storage connections add --provider openai --name work --api-key-stdin",
    async run(ctx, _p, values) {
      const provider = str(values.provider)?.trim();
      if (!provider) throw usageError("connections add needs --provider", "pie-storage connections add --provider openai --api-key-stdin");
      const input: Record<string, unknown> = { provider, authType: "apikey", isActive: values.inactive !== true, testStatus: "unknown", ...editFields(values) };
      const key = await apiKey(ctx, values);
      if (key !== undefined) input.apiKey = key;
      const pool = str(values["proxy-pool"]);
      if (pool !== undefined) input.providerSpecificData = await withProxyPool(ctx, null, pool);
      const created = await ctx.files().connections.createProviderConnection(input as any);
      return shown(created, created.id);
    },
  },
  {
    path: ["connections", "update"],
    summary: "change fields of a connection (only the flags given)",
    args: "<id>",
    positionals: [1, 1],
    writes: true,
    flags: { provider: { type: "string", description: "the provider id", valueName: "P" }, ...EDIT_FLAGS },
    async run(ctx, [id], values) {
      const current = await existing(ctx, id);
      const patch = editFields(values);
      const provider = str(values.provider);
      if (provider !== undefined) {
        if (provider.trim() === "") throw usageError("--provider cannot be empty");
        patch.provider = provider.trim();
      }
      const key = values["api-key-stdin"] === true || str(values["api-key"]) !== undefined ? await apiKey(ctx, values) : undefined;
      if (key !== undefined) patch.apiKey = key;
      const pool = str(values["proxy-pool"]);
      if (pool !== undefined) patch.providerSpecificData = await withProxyPool(ctx, current.providerSpecificData, pool);
      if (Object.keys(patch).length === 0) throw usageError("connections update: nothing to change", "give at least one flag, e.g. --name or --priority");
      return shown(await ctx.files().connections.updateProviderConnection(id, patch as any), id);
    },
  },
  ...(["enable", "disable"] as const).map(
    (verb): Command => ({
      path: ["connections", verb],
      summary: `${verb} a connection (isActive ${verb === "enable"})`,
      args: "<id>",
      positionals: [1, 1],
      writes: true,
      async run(ctx, [id]) {
        await existing(ctx, id);
        return shown(await ctx.files().connections.updateProviderConnection(id, { isActive: verb === "enable" }), id);
      },
    }),
  ),
  {
    path: ["connections", "remove"],
    summary: "soft-delete a connection (disabled, credentials cleared); --hard deletes it",
    args: "<id>",
    positionals: [1, 1],
    writes: true,
    flags: { hard: { type: "boolean", description: "delete the connection from the file" } },
    async run(ctx, [id], values) {
      await existing(ctx, id);
      const store = ctx.files().connections;
      if (values.hard === true) {
        await store.deleteProviderConnection(id);
        return { json: { success: true, deleted: true }, human: () => `deleted ${id}` };
      }
      // The soft delete of §7.2 DELETE /provider-connections/:id.
      const updated = await store.updateProviderConnection(id, admin("connectionSoftDelete") as never);
      const connection = updated === null ? null : toProviderConnectionSummary(updated);
      return { json: { success: true, deleted: false, connection }, human: () => `disabled ${id} and cleared its credentials (--hard deletes it)` };
    },
  },
  {
    path: ["connections", "reorder"],
    summary: "set priorities 1, 2, … in the order the ids are given",
    args: "<id> <id>…",
    positionals: [1, Infinity],
    writes: true,
    async run(ctx, ids) {
      if (new Set(ids).size !== ids.length) throw usageError("connections reorder: an id is given twice");
      for (const id of ids) await existing(ctx, id);
      const store = ctx.files().connections;
      const out: ProviderConnectionSummary[] = [];
      for (const [i, id] of ids.entries()) {
        const updated = await store.updateProviderConnection(id, { priority: i + 1 });
        if (updated === null) throw notFound(`connection not found: ${id}`);
        out.push(toProviderConnectionSummary(updated));
      }
      return { json: { count: out.length, connections: out }, human: () => table(HEADER, summaryRows(out), ["priority"]) };
    },
  },
  {
    path: ["connections", "acquire"],
    summary: "select a connection as the router would, and record the use (round-robin turn)",
    writes: true,
    flags: {
      provider: { type: "string", description: "the provider (required)", valueName: "P" },
      model: { type: "string", description: "the model", valueName: "M" },
      exclude: { type: "string", description: "connection ids to skip (comma-separated)", valueName: "IDS" },
      prefer: { type: "string", description: "a preferred connection id", valueName: "ID" },
    },
    async run(ctx, _p, values) {
      const provider = str(values.provider);
      if (!provider) throw usageError("connections acquire needs --provider");
      const selection = await ctx.files().connections.acquireProviderConnection(provider, str(values.model) ?? null, {
        excludeConnectionIds: str(values.exclude)?.split(",").map((s) => s.trim()).filter(Boolean),
        preferredConnectionId: str(values.prefer),
      });
      const json = selection.status === "selected" ? { ...selection, connection: toProviderConnectionSummary(selection.connection) } : selection;
      const exitCode = selection.status === "selected" ? EXIT.ok : selection.status === "missing" ? EXIT.notFound : EXIT.failure;
      return {
        json,
        exitCode,
        human: () =>
          selection.status === "selected"
            ? `selected ${selection.connection.id} (${selection.connection.name ?? selection.connection.provider})`
            : selection.status === "missing"
              ? `no active connection for ${provider}`
              : `every connection of ${provider} is cooling down; retry after ${selection.retryAfter} (${selection.retryAfterHuman})`,
      };
    },
  },
];

