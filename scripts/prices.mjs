#!/usr/bin/env node
// Re-creates core/src/pricing/base-table.json from the pinned @pydantic/genai-prices release.
//
//   node scripts/prices.mjs [path/to/pydantic-genai-prices-0.1.8.tgz]
//
// Without an argument it runs `npm pack` (network). The tarball's sha512 must equal the pinned
// integrity. Only the build needs this: the converted table is committed, nothing is fetched at
// run time, and `core/src/pricing/table.rs` checks the committed table against the recorded hash.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PIN = {
  name: '@pydantic/genai-prices',
  version: '0.1.8',
  // `npm view @pydantic/genai-prices@0.1.8 dist.integrity`
  integrity:
    'sha512-h7CYw6qTyflG2zUndO8tXyL8Xopf+tX9JZu13h0ZFgeyYj+J2gm1edR4+R+mbQ2vPdkFjtTmmmu1cYQPM5/KTA==',
  // `npm view @pydantic/genai-prices time` for 0.1.8
  date: '2026-09-23',
  license: 'MIT',
};
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// PIE_PRICES_OUT: write elsewhere (the test that compares a re-conversion with the committed table).
const out = process.env.PIE_PRICES_OUT ?? join(root, 'core/src/pricing/base-table.json');

function tarball() {
  if (process.argv[2]) return process.argv[2];
  const dir = mkdtempSync(join(tmpdir(), 'genai-prices-'));
  execFileSync('npm', ['pack', `${PIN.name}@${PIN.version}`, '--pack-destination', dir], {
    stdio: 'inherit',
  });
  return join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')));
}

/** `MatchLogic` → anchored globs (`*` = any run of characters); regex/and clauses are dropped. */
function globs(match) {
  if ('equals' in match) return [match.equals];
  if ('starts_with' in match) return [`${match.starts_with}*`];
  if ('ends_with' in match) return [`*${match.ends_with}`];
  if ('contains' in match) return [`*${match.contains}*`];
  if ('or' in match) return match.or.flatMap(globs);
  return [];
}

/** The current price of a model: the last conditional entry, the base of a tiered price. */
function current(prices) {
  const p = Array.isArray(prices) ? prices[prices.length - 1].prices : prices;
  const rate = (v) => (v == null ? null : typeof v === 'number' ? v : v.base);
  return [
    rate(p.input_mtok),
    rate(p.output_mtok),
    rate(p.cache_read_mtok),
    rate(p.cache_write_mtok),
    rate(p.output_reasoning_mtok),
  ];
}

const tgz = tarball();
const digest = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
if (digest !== PIN.integrity) throw new Error(`${tgz}: integrity ${digest}, pinned ${PIN.integrity}`);
const dir = mkdtempSync(join(tmpdir(), 'genai-prices-x-'));
execFileSync('tar', ['xzf', tgz, '-C', dir]);
const index = join(dir, 'package/dist/index.js');
const lib = await import(pathToFileURL(index).href);
// The provider ids of the embedded data (top-level entries of its first array).
const ids = [...readFileSync(index, 'utf8').matchAll(/^ {4}id: "([^"]+)",$/gm)].map((m) => m[1]);
const providers = {};
for (const id of ids) {
  const provider = lib.findProvider({ providerId: id });
  if (!provider || provider.id !== id) continue;
  const rows = [];
  for (const model of provider.models) {
    const rates = current(model.prices);
    if (rates.every((r) => r == null)) continue;
    const patterns = [...new Set([model.id, ...globs(model.match)])];
    for (const pattern of patterns) rows.push([pattern, ...rates]);
  }
  if (rows.length) providers[id] = rows;
}
const table = {
  source: 'genai-prices',
  package: PIN.name,
  version: PIN.version,
  date: PIN.date,
  integrity: PIN.integrity,
  license: PIN.license,
  // Each row: [pattern, input, output, cacheRead, cacheWrite, reasoning], USD per million tokens.
  providers,
};
const text = `${JSON.stringify(table)}\n`;
writeFileSync(out, text);
const sha = createHash('sha256').update(text).digest('hex');
console.log(`${out}: ${text.length} bytes, ${Object.keys(providers).length} providers, sha256 ${sha}`);
