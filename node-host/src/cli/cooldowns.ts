// `cooldowns list|clear`: model locks on connections (§7.4 `/models/availability`), and the
// operator's clear of one model's lock on every connection of a provider.

import { modelAvailability } from "../operator.js";
import { str, usageError, type Command } from "./command.js";
import { table } from "./format.js";

export const cooldownCommands: Command[] = [
  {
    path: ["cooldowns", "list"],
    summary: "connections with their future model locks, and the locked models per provider",
    flags: { provider: { type: "string", description: "only this provider", valueName: "P" } },
    async run(ctx, _p, values) {
      const connections = await ctx.files().connections.getProviderConnections();
      const view = modelAvailability(connections, str(values.provider) ?? null, Date.now());
      return {
        json: view,
        human: () => {
          const rows = view.lockedModels.map((m) => [m.provider, m.model ?? "(all models)", m.connectionIds.length, m.activeConnectionCount, m.earliestRetryAfter, m.earliestRetryAfterHuman]);
          return [
            `${view.lockedModelCount} locked model(s) on ${view.lockedConnectionCount} of ${view.count} connection(s)`,
            table(["provider", "model", "connections", "active", "until", "retry"], rows, ["connections", "active"]),
          ].join("\n");
        },
      };
    },
  },
  {
    path: ["cooldowns", "clear"],
    summary: "clear --model's lock on every connection of --provider",
    writes: true,
    flags: {
      provider: { type: "string", description: "the provider (required)", valueName: "P" },
      model: { type: "string", description: "the model (required)", valueName: "M" },
    },
    async run(ctx, _p, values) {
      const provider = str(values.provider);
      const model = str(values.model);
      if (!provider || !model) throw usageError("cooldowns clear needs --provider and --model", "pie-storage cooldowns clear --provider openai --model gpt-5");
      const report = await ctx.files().connections.clearModelCooldown(provider, model);
      return { json: report, human: () => `cleared ${report.lockKey} on ${report.clearedCount} connection(s) of ${provider}` };
    },
  },
];
