// `serve`: the local admin server (node-host/src/admin/server.ts, the lead's), loaded only when
// it exists in this build.

import { CliError, EXIT, int, str, type Command } from "./command.js";

export const serveCommands: Command[] = [
  {
    path: ["serve"],
    summary: "run the admin server and page on 127.0.0.1 (port PIE_LAB_SERVER_PORT or 4873)",
    writes: true,
    flags: {
      host: { type: "string", description: "the address to bind (default 127.0.0.1)", valueName: "H" },
      port: { type: "string", description: "the port (0: any free port)", valueName: "N" },
    },
    async run(ctx, _p, values) {
      let server: { startAdminServer?: (options: Record<string, unknown>) => Promise<{ url: string; token: string; close(): Promise<void> }> };
      try {
        server = await import(["..", "admin", "server.js"].join("/"));
      } catch {
        throw new CliError(EXIT.failure, "this build has no admin server yet", "PIE_CLI_NO_SERVER");
      }
      const started = await server.startAdminServer!({ agentDir: ctx.agentDir, env: ctx.env, host: str(values.host), port: int(values.port, "port") });
      process.stderr.write(`pie-storage: admin server at ${started.url}\n  token: ${started.token}\n  (Ctrl-C stops it)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void started.close().then(resolve, resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      return { json: { url: started.url, stopped: true }, human: () => "stopped" };
    },
  },
];
