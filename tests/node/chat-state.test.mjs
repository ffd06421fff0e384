// The chat state store on real files: processes appending to one channel log, file modes, and
// a bot token that appears only in config.json.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { createChatStateStore, conversationPaths, toChatConfigSummary } from "@pie-lab/storage";
import { tempDir } from "./helpers.mjs";

function runWorker(agentDir, tag, count) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "chat-worker.mjs"), agentDir, tag, String(count)], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker ${tag} exited with ${code}`))));
  });
}

/** Every file under `dir`, recursively. */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

test("4 processes x 100 appends to one channel log: every line intact, none lost", async () => {
  const agent = tempDir("pie-chat");
  const [workers, each] = [4, 100];
  await Promise.all(Array.from({ length: workers }, (_, w) => runWorker(agent, `w${w}`, each)));
  const { channelLog, lock } = conversationPaths(agent, "tg", "home");
  const lines = readFileSync(channelLog, "utf8").split("\n");
  assert.equal(lines.pop(), "", "the file ends with a newline");
  assert.equal(lines.length, workers * each);
  const ids = new Set(lines.map((line) => JSON.parse(line).id));
  assert.equal(ids.size, workers * each);
  const read = await createChatStateStore(agent).readChannelEvents("tg", "home");
  assert.equal(read.events.length, workers * each);
  assert.deepEqual(read.diagnostics, []);
  assert.throws(() => statSync(lock), { code: "ENOENT" }, "the channel lock is released");
  assert.equal(statSync(channelLog).mode & 0o777, 0o600);
});

test("files are 0600 and folders 0700; a bot token is only ever in config.json", async () => {
  const agent = tempDir("pie-chat");
  const token = "7777777:AAH-bot-token-SECRET-value";
  const gondolin = "ghp_GONDOLIN_SECRET_value";
  const store = createChatStateStore(agent);
  await store.setAccount("tg", { service: "telegram", botToken: token, gondolin: { secrets: { GH: { value: gondolin, hosts: ["api.github.com"] } } }, channels: {} });
  await store.setChannel("tg", "home", { id: -100, name: "Home" });
  await store.writeCache("tg", { chats: { "-100": { title: "Home" } } });
  await store.appendChannelEvent("tg", "home", { type: "message", text: "hi" });
  // Failing calls must not echo the token either.
  const errors = [];
  for (const bad of [
    () => store.setAccount("tg", { service: 5, botToken: token }),
    () => store.setAccount("", { service: "telegram", botToken: token }),
    () => store.setChannel("nobody", "x", { id: 1, botToken: token }),
    () => store.setAccount("tg", { service: "telegram", botToken: token, access: { trigger: token } }),
  ]) {
    await assert.rejects(bad(), (e) => (errors.push(e), true));
  }
  for (const e of errors) {
    assert.ok(!`${e.message} ${e.path ?? ""} ${e.stack}`.includes(token), e.message);
    assert.ok(!`${e.message}`.includes(gondolin));
  }
  const { config } = await store.readConfig();
  const summary = toChatConfigSummary(config);
  assert.equal(summary.accounts[0].hasBotToken, true);
  assert.ok(!JSON.stringify(summary).includes(token) && !JSON.stringify(summary).includes(gondolin));

  const chat = join(agent, "chat");
  const holding = filesUnder(chat).filter((f) => readFileSync(f, "utf8").includes(token));
  assert.deepEqual(holding, [join(chat, "config.json")]);
  for (const f of filesUnder(chat)) assert.equal(statSync(f).mode & 0o777, 0o600, f);
  const folders = [chat, join(chat, "cache"), join(chat, "accounts"), join(chat, "accounts", "tg"), join(chat, "accounts", "tg", "channels"), join(chat, "accounts", "tg", "channels", "home")];
  for (const d of folders) assert.equal(statSync(d).mode & 0o777, 0o700, d);
});
