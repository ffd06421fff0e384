// The Node transport of the proxy pool test: carries out one probe the core planned (a request
// through an HTTP(S) proxy, absolute-form or through a CONNECT tunnel, or straight to a relay)
// and reports the status line, a timeout or the network error. No decision is made here.

import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { Socket } from "node:net";
import tls from "node:tls";

import type { ProxyProbe, ProxyProbeReply } from "./proxy-test.js";

type Reply = ProxyProbeReply extends infer R ? (R extends unknown ? Omit<R, "elapsedMs"> : never) : never;

/** Runs `probe`, trusting the extra CA certificates `ca` for an `https` target. */
export function nodeProbe(probe: ProxyProbe, ca?: string | string[]): Promise<ProxyProbeReply> {
  const started = performance.now();
  return new Promise((resolve) => {
    const sockets: Socket[] = [];
    let settled = false;
    const finish = (reply: Reply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      resolve({ ...reply, elapsedMs: performance.now() - started } as ProxyProbeReply);
    };
    const timer = setTimeout(() => finish({ failure: "timeout" }), probe.timeoutMs);
    const fail = (error: Error): void => finish({ failure: "network", message: error.message });
    const answered = (res: http.IncomingMessage): void => {
      finish({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", location: res.headers.location ?? null });
      res.resume();
    };
    const send = (req: http.ClientRequest): void => {
      req.on("socket", (socket) => sockets.push(socket));
      req.on("error", fail);
      req.end();
    };
    const target = new URL(probe.url);
    const headers = { ...Object.fromEntries(probe.headers), host: target.host };
    const proxy = probe.proxy;
    if (proxy === null) {
      const client = target.protocol === "https:" ? https : http;
      send(client.request(target, { method: probe.method, headers, agent: false, ca }, answered));
      return;
    }
    const toProxy = proxy.secure ? https : http;
    const auth = proxy.authorization === null ? {} : { "proxy-authorization": proxy.authorization };
    const at = { host: proxy.host, port: proxy.port, agent: false as const };
    if (!probe.tunnel) {
      send(toProxy.request({ ...at, method: probe.method, path: probe.url, headers: { ...headers, ...auth } }, answered));
      return;
    }
    const hostname = target.hostname.replace(/^\[(.*)\]$/, "$1");
    const authority = `${target.hostname}:${target.port || 443}`;
    const connect = toProxy.request({ ...at, method: "CONNECT", path: authority, headers: { host: authority, ...auth } });
    connect.on("connect", (res, socket) => {
      sockets.push(socket);
      if (res.statusCode !== 200) return finish({ failure: "refused", status: res.statusCode ?? 0 });
      const servername = isIP(hostname) === 0 ? hostname : undefined;
      const createConnection = () => tls.connect({ socket, servername, ca });
      const path = target.pathname + target.search;
      // No `agent`: Node uses `createConnection` only without one.
      send(https.request({ method: probe.method, path, headers, createConnection }, answered));
    });
    send(connect);
  });
}
