// What every app of the bundler suite computes, from the functions of whichever entry it imported.
// The suite compares it, as JSON, with what the Node package computes in the test process.

import usageJsonl from "./usage-jsonl.js";

export const records = usageJsonl.trim().split("\n").map((line) => JSON.parse(line));

export function compute({ queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords }) {
  return {
    summary: summarizeUsageRecords(records),
    // newest first, as a store's summarizeUsage() adds them up
    newestFirst: summarizeUsageRecords(queryUsageRecords(records, {})),
    // a torn last line is skipped, never fatal
    anthropic: summarizeUsageJsonl(usageJsonl + '{"id":"usage_torn', { provider: "anthropic" }),
    recent: queryUsageRecords(records, { limit: 3 }).map((record) => record.id),
  };
}

/** The slim entry: every call throws PIE_NOT_INITIALIZED until init() is given the .wasm file. */
export async function computeSlim(slim, wasmInput) {
  let before;
  try {
    slim.summarizeUsageRecords([]);
  } catch (error) {
    before = error.code;
  }
  await slim.init(wasmInput);
  return { before, ...compute(slim) };
}

/** Writes `run()`'s result (or its error) as JSON into #result, for the page's reader. */
export async function show(run) {
  let text;
  try {
    text = JSON.stringify(await run());
  } catch (error) {
    text = JSON.stringify({ error: String(error?.stack ?? error), code: error?.code });
  }
  let out = document.getElementById("result");
  if (!out) {
    out = document.createElement("pre");
    out.id = "result";
    document.body.append(out);
  }
  out.textContent = text;
  out.dataset.done = "true";
}
