// `serve`: the local admin server and page (node-host/src/admin/server.ts). With `--demo`, an
// agent directory that holds no usage and no connections is replaced by a generated demo one
// (in the temp folder, never in the user's own directory), and the output says so.

import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { agentPaths } from "../admin/agent-files.js";
import { seedDemoAgentDir } from "../admin/demo.js";
import { startAdminServer } from "../admin/server.js";
import { int, str, type Command } from "./command.js";

/** Where `--demo` keeps its generated agent directory (made once, reused). */
function demoDir(): string {
  return join(tmpdir(), "pie-storage-demo-agent");
}

export const serveCommands: Command[] = [
  {
    path: ["serve"],
    summary: "run the admin server and page on 127.0.0.1 (port PIE_LAB_SERVER_PORT or 4873)",
    writes: true,
    flags: {
      host: { type: "string", description: "the address to bind (default 127.0.0.1; anything else exposes the server)", valueName: "H" },
      port: { type: "string", description: "the port (0: any free port)", valueName: "N" },
      demo: { type: "boolean", description: "serve a generated demo agent directory when this one has no files" },
    },
    async run(ctx, _p, values) {
      let agentDir = ctx.agentDir;
      const paths = agentPaths({ agentDir, env: ctx.env });
      if (values.demo === true && !existsSync(paths.usage) && !existsSync(paths.connections)) {
        const demo = demoDir();
        if (!existsSync(join(demo, "usage.jsonl"))) await seedDemoAgentDir(demo);
        process.stderr.write(`pie-storage: ${paths.agentDir} has no usage and no connections; serving the demo agent directory ${demo} (generated data, fake keys)\n`);
        agentDir = demo;
      }
      const started = await startAdminServer({ agentDir, env: ctx.env, host: str(values.host), port: int(values.port, "port") });
      if (!/^(127\.|::1$|localhost$)/.test(started.host)) process.stderr.write(`pie-storage: WARNING: listening on ${started.host}, reachable from other machines\n`);
      process.stderr.write(`pie-storage: admin page at ${started.url}/#token=${started.token}\n  token for changes (header x-pie-admin-token): ${started.token}\n  agent directory: ${started.files.paths.agentDir}\n  (Ctrl-C stops it)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void started.close().then(resolve, resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      return { json: { url: started.url, stopped: true }, human: () => "stopped" };
    },
  },
];
