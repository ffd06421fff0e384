// The admin page in headless Chromium against a real `pie-storage serve` on a seeded demo
// agent directory: the charts and totals the page computes in the browser equal the package's
// in Node, a connection and a proxy pool added through the UI land in the file, and a
// mutating request without the token is refused and shown. Screenshots of every tab go to
// test-artifacts/admin/.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { summarizeUsageJsonl } from "@pie-lab/storage";
import { startAdminServer } from "@pie-lab/storage/admin";
import { seedDemoAgentDir } from "../../node-host/dist/admin/demo.js";
import { tempDir } from "../node/helpers.mjs";
import { launchChromium } from "./chromium.mjs";

const root = join(import.meta.dirname, "..", "..");
const shots = join(root, "test-artifacts", "admin");
const TOKEN = "browser-test-token-42";

let server;
let browser;
let dir;

before(async () => {
  mkdirSync(shots, { recursive: true });
  dir = tempDir("pie-admin-page");
  await seedDemoAgentDir(dir, { records: 600 });
  server = await startAdminServer({ agentDir: dir, port: 0, token: TOKEN });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(fragment = "") {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.url}/${fragment}`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });
  return { page, errors };
}

test("the usage tab computes the same totals as the package in Node, and draws the daily chart", async () => {
  const { page, errors } = await openPage();
  const expected = summarizeUsageJsonl(readFileSync(join(dir, "usage.jsonl")));
  assert.equal(expected.records, 600);
  assert.equal(await page.textContent("#total-records"), expected.records.toLocaleString("en-US"));
  assert.equal(await page.textContent("#total-tokens"), Math.round(expected.totalTokens).toLocaleString("en-US"));
  assert.equal(await page.textContent("#total-cost"), `$${expected.costUsd.toFixed(expected.costUsd >= 100 ? 2 : 4)}`);
  const buckets = Number(await page.getAttribute("#chart-daily svg", "data-buckets"));
  assert.ok(buckets >= 30 && buckets <= 31, `one bar per day, got ${buckets}`);
  assert.equal(await page.locator("#chart-daily rect.bar").count(), buckets);
  for (const group of ["Provider", "Model", "Endpoint", "Client origin", "Connection", "API key", "Status"]) {
    assert.ok((await page.locator(`[data-group="${group}"] tbody tr`).count()) > 0, `${group} breakdown`);
  }
  await page.locator("#recent tr.clickable").first().click();
  await page.waitForSelector("#detail:not([hidden]) #timeline tbody tr");
  await page.screenshot({ path: join(shots, "usage.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("without the token a change is refused and the page says so; nothing is written", async () => {
  const { page } = await openPage();
  const before = readFileSync(join(dir, "provider-connections.json"), "utf8");
  await page.click('#tabs button[data-tab="connections"]');
  await page.fill('#connection-form input[name="provider"]', "mistral");
  await page.click('#connection-form button[type="submit"]');
  await page.waitForSelector("#message:not([hidden])");
  assert.match(await page.textContent("#message"), /refused \(401\)/);
  assert.equal(readFileSync(join(dir, "provider-connections.json"), "utf8"), before);
  await page.screenshot({ path: join(shots, "refused.png") });
  await page.close();
});

test("with the token from the URL fragment, a connection and a proxy pool added in the UI are in the file", async () => {
  const { page, errors } = await openPage(`#token=${TOKEN}`);
  assert.equal(await page.textContent("#token-state"), "unlocked");
  assert.ok(!page.url().includes(TOKEN), "the token is taken out of the address bar");
  await page.click('#tabs button[data-tab="connections"]');
  await page.fill('#connection-form input[name="provider"]', "mistral");
  await page.fill('#connection-form input[name="name"]', "Mistral via UI");
  await page.fill('#connection-form input[name="apiKey"]', "sk-ui-secret-123");
  await page.click('#connection-form button[type="submit"]');
  await page.waitForSelector('#connection-list input[value="Mistral via UI"]');
  await page.click('#tabs button[data-tab="pools"]');
  await page.fill('#pool-form input[name="name"]', "UI pool");
  await page.fill('#pool-form input[name="proxyUrl"]', "http://ui:ui-pass@proxy.ui.example:3128");
  await page.click('#pool-form button[type="submit"]');
  await page.waitForSelector('#pool-list td:text("UI pool")');
  assert.ok(!(await page.content()).includes("ui-pass"), "the page never shows a proxy password");
  assert.ok(!(await page.content()).includes("sk-ui-secret-123"), "nor an API key");
  const file = JSON.parse(readFileSync(join(dir, "provider-connections.json"), "utf8"));
  const added = file.connections.find((c) => c.name === "Mistral via UI");
  assert.equal(added.apiKey, "sk-ui-secret-123");
  assert.equal(added.authType, "apikey");
  assert.equal(file.proxyPools.find((p) => p.name === "UI pool").proxyUrl, "http://ui:ui-pass@proxy.ui.example:3128");
  await page.screenshot({ path: join(shots, "pools.png"), fullPage: true });
  await page.click('#tabs button[data-tab="connections"]');
  await page.waitForSelector("#connection-list tbody tr");
  await page.screenshot({ path: join(shots, "connections.png"), fullPage: true });
  for (const tab of ["routing", "pricing", "selection", "cooldowns"]) {
    await page.click(`#tabs button[data-tab="${tab}"]`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, `${tab}.png`), fullPage: true });
  }
  // The demo has one model cooling down; clearing it from the page clears it in the file.
  await page.click('#tabs button[data-tab="cooldowns"]');
  await page.click('#cooldown-list button[data-provider="openai"]');
  await page.waitForSelector('#cooldown-list td:text("No model is cooling down.")');
  const after = JSON.parse(readFileSync(join(dir, "provider-connections.json"), "utf8"));
  assert.ok(after.connections.every((c) => !c["modelLock_gpt-5.4"]));
  assert.deepEqual(errors, []);
  await page.close();
});
