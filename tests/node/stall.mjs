// Event-loop stall measures shared by the Node suite and `npm run bench`.

import { spawn } from "node:child_process";
import { once } from "node:events";

/** The longest gap between ticks of a 10 ms interval timer while `work` runs, and its result. */
export async function longestTimerGap(work) {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  try {
    const result = await work();
    return { gapMs: Math.max(longest, performance.now() - last), totalMs: performance.now() - started, result };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Another process holds `<file>.lock` (the proper-lockfile directory) for `ms`, refreshing it.
 * Resolves once the lock is taken, with `exited`, which resolves when the holder is gone.
 */
export async function holdLockInAnotherProcess(file, ms) {
  const script = `
    const fs = require("node:fs");
    const lock = process.argv[1] + ".lock";
    fs.mkdirSync(lock);
    process.stdout.write("LOCKED\\n");
    const touch = setInterval(() => { const t = Date.now() / 1000; fs.utimesSync(lock, t, t); }, 200);
    setTimeout(() => { clearInterval(touch); fs.rmdirSync(lock); }, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ["-e", script, file, String(ms)], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(child, "exit");
  const [chunk] = await once(child.stdout, "data");
  if (String(chunk).trim() !== "LOCKED") throw new Error(`lock holder said ${chunk}`);
  return { exited };
}
