// Headless Chromium as every browser suite and the bench launch it: the system's Debian
// chromium (scripts/lib.mjs installs it), driven by playwright-core; no browser download.

import { chromium } from "playwright-core";

export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}
