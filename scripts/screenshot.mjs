// Regenerates docs/admin-page.png (the README's screenshot): the admin page on a demo agent
// directory in headless Chromium. Not part of the test runs.
//
//   node scripts/screenshot.mjs

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { startAdminServer } = await import("@pie-lab/storage/admin");
const { seedDemoAgentDir } = await import("../node-host/dist/admin/demo.js");
const { launchChromium } = await import("../tests/browser/chromium.mjs");

const dir = mkdtempSync(join(tmpdir(), "pie-screenshot-"));
try {
  await seedDemoAgentDir(dir, { records: 3000 });
  const server = await startAdminServer({ agentDir: dir, port: 0 });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.waitForSelector("body[data-ready=true]");
  mkdirSync(join(root, "docs"), { recursive: true });
  await page.screenshot({ path: join(root, "docs", "admin-page.png") });
  await page.click('#tabs button[data-tab="connections"]');
  await page.waitForSelector("#connection-list tbody tr");
  await page.screenshot({ path: join(root, "docs", "admin-connections.png") });
  await browser.close();
  await server.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
