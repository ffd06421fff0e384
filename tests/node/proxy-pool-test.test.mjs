// testProxyPool against real servers on 127.0.0.1: a target (HTTP and HTTPS, with a
// certificate made for the run), a forward proxy (absolute-form requests and CONNECT, with
// optional Basic credentials) and a Vercel-style relay. Nothing leaves the machine.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";

import * as storage from "@pie-lab/storage";
import { tempDir } from "./helpers.mjs";
import { longestTimerGap } from "./stall.mjs";

const PASSWORD = "hunter2-proxy-secret";
const servers = [];
const seen = { target: [], proxy: [], relay: [] };

function listen(server) {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

/** 204 on /ok, a redirect on /moved, 503 on /down; records what arrived. */
function targetHandler(scheme) {
  return (req, res) => {
    seen.target.push({ scheme, method: req.method, url: req.url, ua: req.headers["user-agent"] });
    if (req.url.startsWith("/moved")) res.writeHead(302, { location: "/ok?from=moved" }).end();
    else if (req.url.startsWith("/down")) res.writeHead(503).end();
    else res.writeHead(204).end();
  };
}

/** A forward proxy; with `auth`, requests need `Proxy-Authorization: Basic base64(auth)`. */
function forwardProxy({ auth = null, silent = false } = {}) {
  const allowed = auth === null ? null : `Basic ${Buffer.from(auth).toString("base64")}`;
  const refused = (req) => allowed !== null && req.headers["proxy-authorization"] !== allowed;
  const server = http.createServer((req, res) => {
    seen.proxy.push({ method: req.method, url: req.url });
    if (silent) return;
    if (refused(req)) return res.writeHead(407, { "proxy-authenticate": "Basic" }).end();
    const upstream = http.request(req.url, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    upstream.end();
  });
  server.on("connect", (req, socket) => {
    seen.proxy.push({ method: "CONNECT", url: req.url });
    if (silent) return;
    if (refused(req)) return socket.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
    const [host, port] = req.url.split(":");
    const upstream = net.connect(Number(port), host, () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  return server;
}

/** A relay: forwards GET to `x-relay-target` + `x-relay-path`. */
const relay = http.createServer((req, res) => {
  const target = req.headers["x-relay-target"];
  const path = req.headers["x-relay-path"];
  seen.relay.push({ method: req.method, target, path });
  http.get(`${target}${path}`, (up) => {
    res.writeHead(up.statusCode);
    up.resume();
    res.end();
  }).on("error", () => res.writeHead(502).end());
});

let ports;
let ca;

before(async () => {
  const dir = tempDir("pie-proxy-tls");
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert], { stdio: "ignore" });
  ca = readFileSync(cert, "utf8");
  ports = {
    http: await listen(http.createServer(targetHandler("http"))),
    https: await listen(https.createServer({ key: readFileSync(key), cert: ca }, targetHandler("https"))),
    proxy: await listen(forwardProxy()),
    authProxy: await listen(forwardProxy({ auth: `bob:${PASSWORD}` })),
    silentProxy: await listen(forwardProxy({ silent: true })),
    relay: await listen(relay),
  };
  const closed = net.createServer();
  ports.closed = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
  servers.splice(servers.indexOf(closed), 1);
});

after(() => {
  for (const server of servers) {
    server.closeAllConnections?.();
    server.close();
  }
});

async function fileStore() {
  const dir = tempDir("pie-proxy-pools");
  const path = join(dir, "provider-connections.json");
  return { store: storage.createJsonProviderConnectionStore(path), path, dir };
}

function reset() {
  for (const list of Object.values(seen)) list.length = 0;
}

test("an HTTP proxy and an http target: the absolute URL goes to the proxy, the result is stored, isActive untouched", async () => {
  reset();
  const { store } = await fileStore();
  const pool = await store.createProxyPool({ name: "office", proxyUrl: `127.0.0.1:${ports.proxy}` });
  const result = await storage.testProxyPool(store, pool.id, { targetUrl: `http://127.0.0.1:${ports.http}/ok` });
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.status, 204);
  assert.deepEqual(seen.proxy, [{ method: "HEAD", url: `http://127.0.0.1:${ports.http}/ok` }]);
  assert.deepEqual(seen.target, [{ scheme: "http", method: "HEAD", url: "/ok", ua: "9Router" }]);
  const stored = await store.getProxyPoolById(pool.id);
  assert.equal(stored.testStatus, "active");
  assert.equal(stored.lastError, null);
  assert.equal(stored.lastTestedAt, result.testedAt);
  assert.equal(stored.isActive, true);
  assert.ok(result.elapsedMs >= 0 && result.elapsedMs < 5000);
});

test("an https target goes through a CONNECT tunnel, TLS checked against the given CA", async () => {
  reset();
  const { store } = await fileStore();
  const pool = await store.createProxyPool({ name: "tls", proxyUrl: `http://127.0.0.1:${ports.proxy}` });
  const targetUrl = `https://localhost:${ports.https}/ok`;
  const result = await storage.testProxyPool(store, pool.id, { targetUrl, ca });
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.deepEqual(seen.proxy, [{ method: "CONNECT", url: `localhost:${ports.https}` }]);
  assert.deepEqual(seen.target, [{ scheme: "https", method: "HEAD", url: "/ok", ua: "9Router" }]);
  // Without the CA the certificate is refused: a network error, stored as the pool's lastError.
  const untrusted = await storage.testProxyPool(store, pool.id, { targetUrl });
  assert.equal(untrusted.ok, false);
  assert.equal(untrusted.status, 500);
  assert.match(untrusted.error, /certificate/i);
  assert.equal((await store.getProxyPoolById(pool.id)).testStatus, "error");
});

test("redirects are followed through the proxy", async () => {
  reset();
  const { store } = await fileStore();
  const pool = await store.createProxyPool({ name: "r", proxyUrl: `http://127.0.0.1:${ports.proxy}` });
  const result = await storage.testProxyPool(store, pool.id, { targetUrl: `http://127.0.0.1:${ports.http}/moved` });
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.deepEqual(seen.target.map((t) => t.url), ["/moved", "/ok?from=moved"]);
});

test("proxy credentials: accepted when right, 407 when wrong, and the password is never shown", async () => {
  reset();
  const { store, path, dir } = await fileStore();
  const good = await store.createProxyPool({ name: "auth", proxyUrl: `http://bob:${PASSWORD}@127.0.0.1:${ports.authProxy}` });
  const bad = await store.createProxyPool({ name: "bad", proxyUrl: `http://bob:wrong-${PASSWORD}@127.0.0.1:${ports.authProxy}` });
  const targets = [`http://127.0.0.1:${ports.http}/ok`, `https://localhost:${ports.https}/ok`];
  const results = [];
  for (const targetUrl of targets) {
    const ok = await storage.testProxyPool(store, good.id, { targetUrl, ca });
    assert.equal(ok.ok, true, JSON.stringify(ok));
    const refused = await storage.testProxyPool(store, bad.id, { targetUrl, ca });
    assert.equal(refused.ok, false);
    assert.equal(refused.status, 407);
    results.push(ok, refused);
  }
  assert.equal(results[3].error, "Proxy refused the connection with status 407");
  assert.equal(results[1].error, "Proxy test failed with status 407");
  for (const result of results) {
    assert.ok(!JSON.stringify(result).includes(PASSWORD), "no password in the result");
    assert.match(result.proxyPool.proxyUrl, /:\*\*\*\*@/);
  }
  // The password is in the store's own file only (where the reference keeps it), nowhere else.
  for (const name of readdirSync(dir)) {
    const text = readFileSync(join(dir, name), "utf8");
    assert.equal(text.includes(PASSWORD), name === "provider-connections.json", name);
  }
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test("a proxy that never answers times out within the budget, and the event loop keeps running", async () => {
  reset();
  const { store } = await fileStore();
  const pool = await store.createProxyPool({ name: "silent", proxyUrl: `http://127.0.0.1:${ports.silentProxy}` });
  const { gapMs, totalMs: took, result } = await longestTimerGap(() => storage.testProxyPool(store, pool.id, { timeoutMs: 300 }));
  assert.equal(result.ok, false);
  assert.equal(result.status, 500);
  assert.equal(result.error, "Proxy test timed out");
  assert.ok(took >= 290 && took < 3000, `took ${took} ms`);
  assert.ok(gapMs < 100, `event loop gap ${gapMs} ms`);
  const stored = await store.getProxyPoolById(pool.id);
  assert.equal(stored.lastError, "Proxy test timed out");
  assert.equal(stored.isActive, true, "a failed test does not deactivate the pool");
});

test("a refused connection is a network error; with setActive the pool is deactivated, as the reference does", async () => {
  const { store } = await fileStore();
  const pool = await store.createProxyPool({ name: "gone", proxyUrl: `http://127.0.0.1:${ports.closed}` });
  const result = await storage.testProxyPool(store, pool.id, { setActive: true, timeoutMs: 2000 });
  assert.equal(result.ok, false);
  assert.equal(result.status, 500);
  assert.match(result.error, /ECONNREFUSED/);
  assert.equal((await store.getProxyPoolById(pool.id)).isActive, false);
  assert.equal(result.proxyPool.isActive, false);
});

test("a Vercel-style relay gets x-relay-target and x-relay-path", async () => {
  reset();
  const store = storage.createInMemoryProviderConnectionStore();
  const pool = await store.createProxyPool({ name: "relay", type: "vercel", proxyUrl: `http://127.0.0.1:${ports.relay}/api/relay` });
  const result = await storage.testProxyPool(store, pool.id, { targetUrl: `http://127.0.0.1:${ports.http}/ok?x=1` });
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.deepEqual(seen.relay, [{ method: "GET", target: `http://127.0.0.1:${ports.http}`, path: "/ok?x=1" }]);
  assert.deepEqual(seen.target.map((t) => [t.method, t.url]), [["GET", "/ok?x=1"]]);
  const down = await storage.testProxyPool(store, pool.id, { targetUrl: `http://127.0.0.1:${ports.http}/down` });
  assert.equal(down.ok, false);
  assert.equal(down.status, 503);
  assert.equal((await store.getProxyPoolById(pool.id)).lastError, "Proxy test failed with status 503");
});

test("an unknown pool is PIE_NOT_FOUND, and bad options are PIE_INVALID_INPUT, before any request", async () => {
  reset();
  const store = storage.createInMemoryProviderConnectionStore();
  await assert.rejects(storage.testProxyPool(store, "nope"), (e) => e instanceof storage.PieStorageError && e.code === "PIE_NOT_FOUND");
  const pool = await store.createProxyPool({ name: "p", proxyUrl: `http://127.0.0.1:${ports.proxy}` });
  await assert.rejects(storage.testProxyPool(store, pool.id, { targetUrl: "file:///etc/passwd" }), { code: "PIE_INVALID_INPUT" });
  assert.deepEqual(seen.proxy, []);
  assert.equal((await store.getProxyPoolById(pool.id)).testStatus, "unknown");
});
