// `settings get|set`: the provider connection settings (§1.5) through the store's own
// normalization (`updateSettings`).

import { usageError, type Command } from "./command.js";
import { fields } from "./format.js";

/** `key=value`: the value read as JSON when it parses (numbers, booleans, objects), else as text. */
function assignment(text: string): [string, unknown] {
  const at = text.indexOf("=");
  if (at <= 0) throw usageError(`settings set takes key=value, not ${JSON.stringify(text)}`, "pie-storage settings set fallbackStrategy=round-robin");
  const key = text.slice(0, at).trim();
  const raw = text.slice(at + 1);
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

const shown = (settings: Record<string, unknown>) => ({ json: { settings }, human: () => fields(settings) });

export const settingsCommands: Command[] = [
  {
    path: ["settings", "get"],
    summary: "the stored settings with their defaults; one key with <key>",
    args: "[key]",
    positionals: [0, 1],
    async run(ctx, [key]) {
      const settings = (await ctx.files().connections.getSettings()) as Record<string, unknown>;
      if (key === undefined) return shown(settings);
      if (!Object.hasOwn(settings, key)) throw usageError(`unknown setting ${JSON.stringify(key)}`, `one of ${Object.keys(settings).join(", ")}`);
      return { json: { [key]: settings[key] }, human: () => (typeof settings[key] === "string" ? String(settings[key]) : JSON.stringify(settings[key], null, 2)) };
    },
  },
  {
    path: ["settings", "set"],
    summary: "change settings: key=value … (values as JSON when they parse)",
    args: "<key=value>…",
    positionals: [1, Infinity],
    writes: true,
    details: "Examples:\n  pie-storage settings set fallbackStrategy=round-robin stickyRoundRobinLimit=3\n  pie-storage settings set 'budgetLimits={\"mode\":\"warn\",\"dailyUsd\":5}'",
    async run(ctx, assignments) {
      const updates = Object.fromEntries(assignments.map(assignment));
      return shown((await ctx.files().connections.updateSettings(updates as never)) as Record<string, unknown>);
    },
  },
];
