// The file index behind JsonlUsageStore.queryUsage/summarizeUsage against reading the whole
// file, on random data, while another process appends, and after truncation, replacement,
// corrupt lines, torn tails, out-of-order timestamps and a damaged saved index. Also the
// streaming summarizeUsageJsonl against the bytes form.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import {
  createJsonlUsageStore,
  savedUsageIndexPath,
  summarizeUsageJsonl,
  summarizeUsageJsonlDetailed,
  UsageJsonlSummarizer,
} from "@pie-lab/storage";
import * as reference from "../reference/usage-reference.mjs";
import { rng, tempDir } from "./helpers.mjs";

/** Random usage lines (with terminators): mostly in time order, some ties, some going back,
 * some corrupt, blank, CRLF or not objects. */
function randomLines(random, n, clock) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  let out = "";
  for (let i = 0; i < n; i++) {
    const roll = random();
    if (roll < 0.02) out += "{not json\n";
    else if (roll < 0.03) out += "\n";
    else if (roll < 0.04) out += "[1]\n";
    else {
      clock.t += random() < 0.1 ? -30_000 : random() < 0.3 ? 0 : Math.floor(random() * 10_000);
      const record = {
        id: `u${clock.n++}`,
        requestId: `q${Math.floor(random() * 8)}`,
        timestamp: new Date(clock.t).toISOString(), // unparseable times sort last here, unspecified in V8 (README)
        routingMode: pick(["fixed", "router"]),
        resolvedProvider: pick(["openai", "anthropic", "é😀"]),
        resolvedModel: pick(["m1", "m2"]),
        status: pick(["success", "success", "error", "aborted"]),
        usage: { input: Math.floor(random() * 1000), output: Math.floor(random() * 100) },
        costUsd: random() * 0.01,
      };
      if (random() < 0.5) record.endpoint = pick(["/v1/chat", "/v1/messages"]);
      out += JSON.stringify(record) + (random() < 0.1 ? "\r\n" : "\n");
    }
  }
  return out;
}

/** The usage slice's reading: every line that parses as an object, in file order. */
function readTolerant(path) {
  return existsSync(path) ? readTolerantText(readFileSync(path, "utf8")) : [];
}

function randomQuery(random) {
  const q = {};
  if (random() < 0.4) q.provider = ["openai", "anthropic", "é😀", "none"][Math.floor(random() * 4)];
  if (random() < 0.2) q.status = ["success", "error"].slice(0, 1 + Math.floor(random() * 2));
  if (random() < 0.3) q.from = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 600_000)).toISOString();
  if (random() < 0.2) q.to = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 900_000));
  if (random() < 0.5) q.limit = Math.floor(random() * 20);
  if (random() < 0.3) q.order = "asc";
  if (random() < 0.1) q.requestId = "q3";
  return q;
}

async function assertMatchesFullRead(store, path, random, label) {
  const records = readTolerant(path);
  for (let i = 0; i < 6; i++) {
    const q = i === 0 ? {} : i === 1 ? { limit: 5 } : randomQuery(random);
    const want = reference.queryUsageRecords(records, q);
    assert.deepEqual(await store.queryUsage(q), want, `${label}: queryUsage ${JSON.stringify(q)}`);
    const wantSummary = reference.summarizeUsageRecords(reference.queryUsageRecords(records, { ...q, limit: undefined }));
    assert.equal(JSON.stringify(await store.summarizeUsage(q)), JSON.stringify(wantSummary), `${label}: summary ${JSON.stringify(q)}`);
  }
}

function appendFromAnotherProcess(path, text) {
  execFileSync(process.execPath, ["-e", "require('fs').appendFileSync(process.argv[1], process.argv[2])", path, text]);
}

test("appends by another process between queries are picked up, results equal a full read", async () => {
  const dir = tempDir();
  const path = join(dir, "usage.jsonl");
  const random = rng(1);
  const clock = { t: Date.UTC(2026, 0, 1), n: 0 };
  writeFileSync(path, randomLines(random, 200, clock));
  const store = createJsonlUsageStore(path);
  await assertMatchesFullRead(store, path, random, "initial");
  for (let round = 0; round < 6; round++) {
    appendFromAnotherProcess(path, randomLines(random, 40, clock));
    await assertMatchesFullRead(store, path, random, `round ${round}`);
  }
  // A second store on the same path in this process sees the same.
  await assertMatchesFullRead(createJsonlUsageStore(path), path, random, "second store");
  const diagnostics = store.getLastReadDiagnostics();
  assert.ok(diagnostics.length > 0 && diagnostics.every((d) => d.code === "INVALID_JSON" || d.code === "NOT_AN_OBJECT"));
});

test("a torn tail counts once finished; truncation and replacement are re-indexed", async () => {
  const dir = tempDir();
  const path = join(dir, "usage.jsonl");
  const random = rng(2);
  const clock = { t: Date.UTC(2026, 0, 1), n: 0 };
  writeFileSync(path, randomLines(random, 150, clock));
  const store = createJsonlUsageStore(path);
  await assertMatchesFullRead(store, path, random, "initial");

  const line = JSON.stringify({ id: "torn", timestamp: new Date(clock.t + 1).toISOString(), resolvedProvider: "openai", resolvedModel: "m1", status: "success" });
  appendFromAnotherProcess(path, line.slice(0, 20));
  await store.summarizeUsage({});
  assert.equal(store.getLastReadDiagnostics().at(-1).code, "TRUNCATED_LINE");
  appendFromAnotherProcess(path, line.slice(20));
  await assertMatchesFullRead(store, path, random, "finished without newline");
  appendFromAnotherProcess(path, "\n");
  await assertMatchesFullRead(store, path, random, "torn line finished");

  truncateSync(path, Math.floor(readFileSync(path).length / 3));
  await assertMatchesFullRead(store, path, random, "truncated");

  // Same length, different content, same inode.
  const size = readFileSync(path).length;
  const other = randomLines(rng(99), 400, { t: Date.UTC(2025, 0, 1), n: 0 }).slice(0, size);
  writeFileSync(path, other);
  await assertMatchesFullRead(store, path, random, "rewritten in place");

  // Replaced by rename (new inode), starting with the same bytes.
  writeFileSync(`${path}.tmp`, readFileSync(path, "utf8") + randomLines(random, 30, clock));
  renameSync(`${path}.tmp`, path);
  await assertMatchesFullRead(store, path, random, "replaced");

  rmSync(path);
  assert.deepEqual(await store.queryUsage({}), []);
  assert.equal((await store.summarizeUsage({})).records, 0);
});

test("the saved index is derived data: used when valid, ignored when stale or damaged", async () => {
  const dir = tempDir();
  const path = join(dir, "usage.jsonl");
  const random = rng(3);
  const clock = { t: Date.UTC(2026, 0, 1), n: 0 };
  writeFileSync(path, randomLines(random, 3000, clock));
  const saved = savedUsageIndexPath(path);
  assert.equal(saved, `${path}.pie-index`);

  const query = (q) => JSON.stringify(q);
  const child = (q) =>
    execFileSync(
      process.execPath,
      ["--input-type=module", "-e", `import { createJsonlUsageStore } from "@pie-lab/storage"; const s = createJsonlUsageStore(process.argv[1]); console.log(JSON.stringify(await s.summarizeUsage(JSON.parse(process.argv[2]))));`, path, query(q)],
      { encoding: "utf8", cwd: join(import.meta.dirname, "..", "..") },
    ).trim();
  const want = (q) => JSON.stringify(reference.summarizeUsageRecords(reference.queryUsageRecords(readTolerant(path), q)));

  const q = { provider: "anthropic" };
  assert.equal(child(q), want(q), "first process");
  assert.ok(existsSync(saved), "the index is saved beside the file");
  appendFromAnotherProcess(path, randomLines(random, 50, clock));
  assert.equal(child(q), want(q), "saved index plus appended lines");

  const bytes = readFileSync(saved);
  for (const at of [10, 70, Math.floor(bytes.length / 2), bytes.length - 3]) {
    const damaged = Buffer.from(bytes);
    damaged[at] ^= 0xff;
    writeFileSync(saved, damaged);
    assert.equal(child(q), want(q), `damaged byte ${at}`);
  }
  writeFileSync(saved, "garbage");
  assert.equal(child(q), want(q), "garbage index");

  // An index saved for another file.
  const otherPath = join(dir, "other.jsonl");
  writeFileSync(otherPath, randomLines(rng(4), 3000, { t: Date.UTC(2026, 0, 1), n: 0 })); // enough rows to be saved
  await createJsonlUsageStore(otherPath).summarizeUsage({});
  writeFileSync(saved, readFileSync(savedUsageIndexPath(otherPath)));
  assert.equal(child(q), want(q), "index of another file");

  const unsavedPath = join(dir, "unsaved.jsonl");
  writeFileSync(unsavedPath, randomLines(random, 2000, clock));
  await createJsonlUsageStore(unsavedPath, { saveIndex: false }).summarizeUsage({});
  assert.ok(!existsSync(savedUsageIndexPath(unsavedPath)), "saveIndex: false writes nothing");
});

test("recent records in a time-ordered file come from its tail; out-of-order files stay correct", async () => {
  const dir = tempDir();
  const ordered = join(dir, "ordered.jsonl");
  const lines = [];
  for (let i = 0; i < 500; i++) {
    lines.push(JSON.stringify({ id: `o${i}`, timestamp: new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 3) * 1000).toISOString(), resolvedProvider: i % 2 ? "a" : "b", status: "success", costUsd: i / 1000 }));
  }
  writeFileSync(ordered, lines.join("\n") + "\n");
  const store = createJsonlUsageStore(ordered);
  const records = readTolerant(ordered);
  for (const q of [{ limit: 100 }, { limit: 7, provider: "a" }, { order: "asc", limit: 4 }, { from: "2026-01-01T00:02:00.000Z", limit: 10 }]) {
    assert.deepEqual(await store.queryUsage(q), reference.queryUsageRecords(records, q), JSON.stringify(q));
  }
  // One record from the past appended at the end: no longer in order.
  writeFileSync(ordered, JSON.stringify({ id: "late", timestamp: "2025-12-31T00:00:00.000Z", status: "success" }) + "\n", { flag: "a" });
  const all = readTolerant(ordered);
  for (const q of [{ limit: 100 }, { order: "asc", limit: 3 }, {}]) {
    assert.deepEqual(await store.queryUsage(q), reference.queryUsageRecords(all, q), JSON.stringify(q));
  }
});

test("summarizeUsageJsonl over streams and chunks equals the bytes form, split anywhere", async () => {
  const random = rng(5);
  const text = "\uFEFF" + randomLines(random, 300, { t: Date.UTC(2026, 0, 1), n: 0 }) + '{"torn":';
  const bytes = new TextEncoder().encode(text);
  for (const q of [{}, { provider: "é😀" }, { from: "2026-01-01T00:01:00.000Z", limit: 3 }]) {
    const whole = summarizeUsageJsonlDetailed(bytes, q);
    assert.equal(JSON.stringify(whole.summary), JSON.stringify(reference.summarizeUsageRecords(reference.queryUsageRecords(readTolerantText(text), { ...q, limit: undefined }))));
    const chunks = [];
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + Math.floor(random() * 700);
      chunks.push(bytes.subarray(at, at + n));
      at += n;
    }
    const stream = new ReadableStream({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    });
    assert.deepEqual(await summarizeUsageJsonlDetailed(stream, q), whole, "ReadableStream");
    async function* gen() {
      yield* chunks;
    }
    assert.equal(JSON.stringify(await summarizeUsageJsonl(gen(), q)), JSON.stringify(whole.summary), "async iterable");
    const summarizer = new UsageJsonlSummarizer();
    for (const c of chunks) summarizer.push(c);
    assert.deepEqual(summarizer.finish(q), whole, "push/finish");
    assert.throws(() => summarizer.push(chunks[0]), { code: "PIE_INVALID_INPUT" });
  }
});

function readTolerantText(text) {
  const records = [];
  for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    if (line.trim().length === 0) continue;
    try {
      const value = JSON.parse(line);
      if (value && typeof value === "object" && !Array.isArray(value)) records.push(value);
    } catch {
      // skipped, reported as a diagnostic
    }
  }
  return records;
}
