// Timing helpers shared by the bench scripts (`npm run bench` and the rows it runs).

/** The middle value of `values` (the upper middle for an even count). */
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Median of `runs` timed calls; each starts on a collected heap (`--expose-gc`, set by
 * `npm run bench`), so one side's garbage is not collected during the other side's timing. */
export async function time(fn, runs) {
  const samples = [];
  let result;
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.();
    const start = performance.now();
    result = await fn();
    samples.push(performance.now() - start);
  }
  return { ms: median(samples), result };
}
