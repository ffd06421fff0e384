// `routing explain|preview`: the account selection explained (§7.4 `/account-selection`) and the
// route plan of a requested model (`/routing-policy/preview`), both over the stored files.

import { explainProviderConnectionSelection } from "../routing.js";
import { str, usageError, type Command } from "./command.js";
import { table } from "./format.js";

export const routingCommands: Command[] = [
  {
    path: ["routing", "explain"],
    summary: "which connection the router would pick for --provider/--model, and why not the others",
    flags: {
      provider: { type: "string", description: "the provider (required)", valueName: "P" },
      model: { type: "string", description: "the model", valueName: "M" },
      exclude: { type: "string", description: "connection ids to skip (comma-separated)", valueName: "IDS" },
      prefer: { type: "string", description: "a preferred connection id", valueName: "ID" },
    },
    async run(ctx, _p, values) {
      const provider = str(values.provider);
      if (!provider) throw usageError("routing explain needs --provider", "pie-storage routing explain --provider openai --model gpt-5");
      const store = ctx.files().connections;
      const [connections, settings] = await Promise.all([store.getProviderConnections({ provider }), store.getSettings()]);
      const explanation = explainProviderConnectionSelection({
        provider,
        model: str(values.model) ?? null,
        connections,
        settings,
        excludeConnectionIds: str(values.exclude)?.split(",").map((s) => s.trim()).filter(Boolean),
        preferredConnectionId: str(values.prefer),
      });
      return {
        json: explanation,
        human: () => {
          const e = explanation as unknown as Record<string, any>;
          const rows = (e.candidates ?? []).map((c: any) => [c.id, c.priority, c.selected, c.selectable, c.modelLockUntil, (c.reasons ?? []).join("; ")]);
          return [
            `${e.provider}${e.model ? `/${e.model}` : ""}: ${e.status}${e.selectedConnectionId ? ` (${e.selectedConnectionId})` : ""}, strategy ${e.strategy}, quota ${e.quotaStrategy}`,
            e.message ? String(e.message) : "",
            table(["id", "priority", "selected", "selectable", "lockedUntil", "reasons"], rows, ["priority"]),
          ].filter(Boolean).join("\n");
        },
      };
    },
  },
  {
    path: ["routing", "preview"],
    summary: "the routes the stored routing policy gives <model> (combos, aliases, intents)",
    args: "<model>",
    positionals: [1, 1],
    async run(ctx, [model]) {
      const plan = await ctx.files().connections.planRoutes(model);
      return {
        json: plan,
        human: () => {
          const p = plan as unknown as Record<string, any>;
          const rows = (p.routes ?? []).map((r: any) => [r.index, r.source, r.provider, r.model]);
          return [`${p.requestedModel}: ${p.routingMode}`, table(["index", "source", "provider", "model"], rows, ["index"])].join("\n");
        },
      };
    },
  },
];
