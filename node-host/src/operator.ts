// The operator tools' rules (CLI and admin server), thin wrappers over the core: the cooldown
// view, the pool in-use count and the doctor's judgements. Nothing is decided here.

import type { ProviderConnection } from "./types.js";
import { call, toWireArgs, wasm } from "./wasm.js";

function run<T>(name: string, ...args: unknown[]): T {
  const json = toWireArgs(args, "the argument");
  return JSON.parse(call(() => wasm().operatorCall(name, json))) as T;
}

export interface LockView {
  key: string;
  scope: "model" | "all";
  model: string | null;
  until: string;
  retryAfterMs: number;
  retryAfterHuman: string;
}

export interface ModelAvailability {
  generatedAt: string;
  count: number;
  lockedConnectionCount: number;
  lockedModelCount: number;
  data: Record<string, unknown>[] & { locks?: LockView[] }[];
  lockedModels: {
    provider: string;
    model: string | null;
    scope: "model" | "all";
    activeConnectionCount: number;
    connectionIds: string[];
    earliestRetryAfter: string;
    earliestRetryAfterHuman: string;
  }[];
}

/** The `/models/availability` view (§7.4) of stored connections at `now`, of one provider if given. */
export function modelAvailability(connections: readonly ProviderConnection[], provider?: string | null, now: number = Date.now()): ModelAvailability {
  return run("modelAvailability", connections, provider ?? null, now);
}

/** How many connections route through pool `poolId` (the in-use count of §7.3). */
export function boundConnectionCount(connections: readonly ProviderConnection[], poolId: string): number {
  return run("boundConnectionCount", connections, poolId);
}

/** Whether a `.lock` directory with this mtime is stale at `now` (the stores' takeover rule). */
export function lockIsStale(mtimeMs: number, now: number = Date.now()): boolean {
  return run("lockIsStale", mtimeMs, now);
}

export interface ModeProblem {
  found: string;
  expected: string;
  message: string;
}

/** `null` when a mode gives nothing to group or others; else what is open. */
export function fileModeProblem(mode: number, kind: "file" | "folder"): ModeProblem | null {
  return run("fileModeProblem", mode, kind);
}

export type SavedIndexHealth =
  | { status: "current"; rows: number }
  | { status: "stale"; rows: number; reason: string }
  | { status: "unusable"; reason: string };

/** What a saved usage index (`<usage>.pie-index`, its bytes) is worth for its file's current stat. */
export function savedIndexHealth(
  saved: Uint8Array,
  file: { size: number; mtimeMs: number; dev: number; ino: number } | null,
): SavedIndexHealth {
  const text = call(() =>
    file === null ? wasm().savedIndexHealth(saved) : wasm().savedIndexHealth(saved, file.size, file.mtimeMs, file.dev, file.ino),
  );
  return JSON.parse(text) as SavedIndexHealth;
}

/** `null` when the core's JSON reader accepts `text`; else the line, column and reason (never the text). */
export function jsonProblem(text: string): { line: number; column: number; message: string } | null {
  return run("jsonProblem", text);
}
