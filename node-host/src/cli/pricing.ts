// `pricing list|set|reset`: price overrides (`pricing-overrides.json`) over the shipped table.

import { getPriceTableInfo } from "../pricing.js";
import type { PriceRates } from "../pricing.js";
import { notFound, num, str, usageError, type Command, type Flag } from "./command.js";
import { table } from "./format.js";

const RATE_FLAGS: Record<string, Flag> = {
  input: { type: "string", description: "USD per million input tokens", valueName: "USD" },
  output: { type: "string", description: "USD per million output tokens", valueName: "USD" },
  "cache-read": { type: "string", description: "USD per million cache-read tokens", valueName: "USD" },
  "cache-write": { type: "string", description: "USD per million cache-write tokens", valueName: "USD" },
  reasoning: { type: "string", description: "USD per million reasoning tokens", valueName: "USD" },
};
const RATE_KEYS: [string, keyof PriceRates][] = [["input", "input"], ["output", "output"], ["cache-read", "cacheRead"], ["cache-write", "cacheWrite"], ["reasoning", "reasoning"]];

function overrideRows(overrides: Record<string, Record<string, PriceRates>>): unknown[][] {
  const rows: unknown[][] = [];
  for (const [provider, models] of Object.entries(overrides)) {
    for (const [model, r] of Object.entries(models)) rows.push([provider, model, r.input, r.output, r.cacheRead, r.cacheWrite, r.reasoning]);
  }
  return rows;
}
const HEADER = ["provider", "model", "input", "output", "cacheRead", "cacheWrite", "reasoning"];

export const pricingCommands: Command[] = [
  {
    path: ["pricing", "list"],
    summary: "the price overrides and the base table's source",
    async run(ctx) {
      const { overrides } = await ctx.files().pricing.listPriceOverrides();
      const info = getPriceTableInfo();
      return {
        json: { overrides, table: info },
        human: () => [`Base table: ${info.package}@${info.version} (${info.date})`, "Overrides (USD per million tokens):", table(HEADER, overrideRows(overrides), HEADER.slice(2))].join("\n"),
      };
    },
  },
  {
    path: ["pricing", "set"],
    summary: "set an override for <provider> <model> (a model glob, provider * for any)",
    args: "<provider> <model>",
    positionals: [2, 2],
    writes: true,
    flags: RATE_FLAGS,
    details: "Example:\n  pie-storage pricing set openai 'gpt-5*' --input 1.25 --output 10",
    async run(ctx, [provider, model], values) {
      const rates: PriceRates = {};
      for (const [flag, key] of RATE_KEYS) {
        const v = num(values[flag], flag);
        if (v !== undefined) rates[key] = v;
      }
      if (Object.keys(rates).length === 0) throw usageError("pricing set needs at least one rate", "--input, --output, --cache-read, --cache-write, --reasoning");
      const { overrides } = await ctx.files().pricing.setPriceOverride(provider, model, rates);
      return { json: { overrides }, human: () => table(HEADER, overrideRows(overrides), HEADER.slice(2)) };
    },
  },
  {
    path: ["pricing", "reset"],
    summary: "remove the override of <provider> [<model>], or every override with --all",
    args: "[provider] [model]",
    positionals: [0, 2],
    writes: true,
    flags: { all: { type: "boolean", description: "remove every override" } },
    async run(ctx, [provider, model], values) {
      const store = ctx.files().pricing;
      if (values.all === true) {
        if (provider !== undefined) throw usageError("pricing reset: give --all or a provider, not both");
        await store.resetPriceOverrides();
        return { json: { reset: true }, human: () => "removed every price override" };
      }
      if (provider === undefined) throw usageError("pricing reset needs <provider> [<model>] or --all");
      const deleted = await store.deletePriceOverride(provider, str(model));
      if (!deleted) throw notFound(`no price override for ${provider}${model ? ` ${model}` : ""}`);
      return { json: { deleted }, human: () => `removed the override of ${provider}${model ? ` ${model}` : ""}` };
    },
  },
];
