// The request-details store through the npm package: secrets never reach the files, writers
// killed mid-append lose at most their last record, retention racing appends keeps every record
// it should. Every loop is bounded in count and time.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { createRequestDetailsStore } from "@pie-lab/storage";
import { tempDir } from "./helpers.mjs";

const worker = join(import.meta.dirname, "details-worker.mjs");

/** Every credential shape the redaction knows, each placed in every position a record has. */
const SECRETS = [
  "sk-abcdefghijklmnopqrstuvwxyz012345",
  "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789",
  "sk-proj-ABCDEFGHIJ0123456789abcdefghij",
  "AIzaSyA1234567890abcdefghijklmnopqrstu",
  "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
  "gho_abcdefghijklmnopqrstuvwxyz0123456789",
  "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
  "xoxb-123456789012-abcdefghijklmnop",
  "AKIAIOSFODNN7EXAMPLE",
  "hf_abcdefghijklmnopqrstuvwxyz012345",
  "gsk_abcdefghijklmnopqrstuvwxyz012345",
  "ya29.a0AfH6SMBabcdefghijklmnop0123",
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
];

function segmentsText(folder) {
  return readdirSync(folder)
    .map((name) => readFileSync(join(folder, name), "utf8"))
    .join("\n");
}

test("no known secret shape reaches the segment files, wherever it is in the record", async () => {
  const folder = join(tempDir("pie-details-secrets"), "request-details");
  const store = createRequestDetailsStore(folder);
  for (const [i, secret] of SECRETS.entries()) {
    await store.recordRequestDetail({
      id: `s${i}`,
      apiKey: secret,
      request: { messages: [{ role: "user", content: `here is ${secret} for you` }], key: secret },
      providerRequest: {
        url: `https://user:${secret}@api.example.com/v1?alt=sse&key=${secret}&token=${secret}`,
        headers: { Authorization: `Bearer ${secret}`, "x-api-key": secret, Cookie: `sid=${secret}`, "X-Trace": secret },
        body: JSON.stringify({ api_key: secret }),
      },
      providerResponse: { headers: [["set-cookie", secret]], error: `invalid key ${secret}` },
      response: { text: `Basic ${Buffer.from(`u:${secret}`).toString("base64")}` },
    });
  }
  const text = segmentsText(folder);
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `a segment holds ${secret.slice(0, 8)}...`);
  assert.ok(!text.includes(Buffer.from(`u:${SECRETS[0]}`).toString("base64")), "basic credentials");
  // What is not a secret stays readable.
  const first = await store.getRequestDetail("s0");
  assert.equal(first.providerRequest.url.startsWith("https://"), true);
  assert.match(first.providerRequest.url, /alt=sse/);
  assert.equal(first.request.messages[0].role, "user");
  // Files are private to their owner.
  if (process.platform !== "win32") {
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    for (const name of readdirSync(folder)) assert.equal(statSync(join(folder, name)).mode & 0o777, 0o600, name);
  }
});

/** Runs a writer; resolves with the ids it reported written. `killAfterMs` kills it (SIGKILL). */
function runWriter(folder, tag, count, options, killAfterMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, folder, tag, String(count), JSON.stringify(options)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const killer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    // Bounded: a writer that hangs fails the test instead of the suite.
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(killer);
      clearTimeout(guard);
      if (code !== 0 && signal !== "SIGKILL") return reject(new Error(`writer ${tag} failed (${code}): ${err}`));
      resolve({ written: out.split("\n").filter(Boolean), killed: signal === "SIGKILL" });
    });
  });
}

async function allIds(store) {
  const ids = [];
  for (let page = 1; page <= 1000; page++) {
    const got = await store.getRequestDetails({ page, pageSize: 100 });
    ids.push(...got.details.map((d) => d.id));
    if (!got.pagination.hasNext) break;
  }
  return ids;
}

test("writers killed mid-append lose at most the record they were writing", async () => {
  const folder = join(tempDir("pie-details-crash"), "request-details");
  const options = { maxRecords: 100_000, segmentBytes: 64 * 1024 };
  const rounds = [];
  for (let round = 0; round < 3; round++) {
    const writers = [0, 1, 2].map((w) => runWriter(folder, `r${round}w${w}`, 400, options, 300 + 150 * w + 100 * round));
    rounds.push(...(await Promise.all(writers)).map((r, w) => ({ ...r, tag: `r${round}w${w}` })));
  }
  const store = createRequestDetailsStore(folder, options);
  const present = new Set(await allIds(store));
  for (const { tag, written, killed } of rounds) {
    for (const id of written) assert.ok(present.has(id), `${id} was reported written and is gone`);
    const extra = [...present].filter((id) => id.startsWith(`${tag}_`) && !written.includes(id));
    // Only the record in flight when the writer died may be there without being reported.
    assert.ok(extra.length <= (killed ? 1 : 0), `${tag}: unreported ${extra}`);
  }
  // A torn line is skipped and reported, never fatal; the next append starts on a new line.
  const torn = store.getLastReadDiagnostics();
  assert.ok(torn.length <= rounds.filter((r) => r.killed).length, JSON.stringify(torn));
  assert.ok(present.size > 0);
});

test("retention racing appends keeps every record it should", async () => {
  const folder = join(tempDir("pie-details-retention"), "request-details");
  // Every append starts a segment and runs retention; nothing is old enough or too many to drop.
  const keepAll = { segmentBytes: 1, maxRecords: 10_000 };
  const runs = await Promise.all([0, 1, 2, 3].map((w) => runWriter(folder, `k${w}`, 40, keepAll)));
  const store = createRequestDetailsStore(folder, keepAll);
  const ids = await allIds(store);
  assert.equal(ids.length, 160);
  for (const run of runs) for (const id of run.written) assert.ok(ids.includes(id), `${id} lost`);
  assert.equal(readdirSync(folder).filter((n) => n.startsWith("segment-")).length, 160);

  // With a count to keep, the newest records written survive the others' retention.
  const counted = { segmentBytes: 1, maxRecords: 25 };
  await Promise.all([0, 1, 2].map((w) => runWriter(folder, `c${w}`, 30, counted)));
  const small = createRequestDetailsStore(folder, counted);
  await small.recordRequestDetail({ id: "last", provider: "openai" });
  const kept = await allIds(small);
  assert.equal(kept.length, 25);
  assert.equal(kept[0], "last");
  // On disk: the segments of at most the 25 newest records (one record per segment), never fewer.
  const segments = readdirSync(folder).filter((n) => n.startsWith("segment-")).length;
  assert.ok(segments >= 25 && segments <= 26, `${segments} segments`);
});
