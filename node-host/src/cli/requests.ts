// `requests list|show`: request details (the folder of segments), 9router's page shape.

import { int, notFound, str, type Command } from "./command.js";
import { fields, table } from "./format.js";

export const requestCommands: Command[] = [
  {
    path: ["requests", "list"],
    summary: "a page of request details, newest first",
    flags: {
      page: { type: "string", description: "1-based page (default 1)", valueName: "N" },
      "page-size": { type: "string", description: "1..100 (default 20)", valueName: "N" },
      provider: { type: "string", description: "provider", valueName: "P" },
      model: { type: "string", description: "model", valueName: "M" },
      connection: { type: "string", description: "connection id", valueName: "ID" },
      status: { type: "string", description: "status", valueName: "S" },
      "request-id": { type: "string", description: "request id", valueName: "ID" },
      from: { type: "string", description: "at or after (ISO time)", valueName: "T" },
      to: { type: "string", description: "at or before (ISO time)", valueName: "T" },
    },
    async run(ctx, _p, values) {
      const page = await ctx.progress("reading request details", () =>
        ctx.files().requestDetails.getRequestDetails({
          page: int(values.page, "page"),
          pageSize: int(values["page-size"], "page-size"),
          provider: str(values.provider),
          model: str(values.model),
          connectionId: str(values.connection),
          status: str(values.status),
          requestId: str(values["request-id"]),
          startDate: str(values.from),
          endDate: str(values.to),
        }),
      );
      return {
        json: page,
        human: () => {
          const p = page as unknown as { details: any[]; pagination: any };
          const rows = p.details.map((d) => [d.id, d.timestamp, d.status, d.provider, d.model, d.connectionId, d.latency?.total]);
          const { page: n, totalPages, totalItems } = p.pagination ?? {};
          return [table(["id", "timestamp", "status", "provider", "model", "connection", "ms"], rows, ["ms"]), `page ${n} of ${totalPages} (${totalItems} details)`].join("\n");
        },
      };
    },
  },
  {
    path: ["requests", "show"],
    summary: "one request detail by id (redacted as stored)",
    args: "<id>",
    positionals: [1, 1],
    async run(ctx, [id]) {
      const detail = await ctx.files().requestDetails.getRequestDetail(id);
      if (detail === null) throw notFound(`request detail not found: ${id}`);
      return { json: { detail }, human: () => fields(detail as unknown as Record<string, unknown>) };
    },
  },
];
