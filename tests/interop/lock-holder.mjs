// Takes the proper-lockfile lock on a file the way a Node writer of @pie-lab/storage would, so the
// Rust tests can check that both sides exclude each other. Output is line-based for the test to read.
//
//   node lock-holder.mjs hold  <file> <holdMs> [staleMs]  LOCKED, waits holdMs, RELEASED
//   node lock-holder.mjs try   <file> [staleMs]           one attempt (retries: 0): LOCKED+RELEASED or ELOCKED
//   node lock-holder.mjs count <file> <times> [staleMs]   <times> x (lock, increment the number in <file>, unlock)
//
// The file is created if missing and locked with proper-lockfile's default `realpath: true`:
// that is the default a Node writer gets, it resolves symlinks like FileStorage does, and with it
// proper-lockfile refuses a missing file (ENOENT), hence the creation.
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import lockfile from 'proper-lockfile';

const [mode, file, ...rest] = process.argv.slice(2);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line) => process.stdout.write(`${line}\n`);

function options(staleArg, retries) {
  const opts = {
    retries,
    onCompromised: (err) => {
      say(`COMPROMISED ${err.message}`);
      process.exit(1);
    },
  };
  if (staleArg !== undefined) opts.stale = Number(staleArg);
  return opts;
}

async function main() {
  if (!file) throw new Error('usage: lock-holder.mjs hold|try|count <file> ...');
  closeSync(openSync(file, 'a'));
  if (mode === 'hold') {
    const [holdMs, stale] = rest;
    const release = await lockfile.lock(file, options(stale, 0));
    say('LOCKED');
    await sleep(Number(holdMs));
    await release();
    say('RELEASED');
  } else if (mode === 'try') {
    const [stale] = rest;
    let release;
    try {
      release = await lockfile.lock(file, options(stale, 0));
    } catch (err) {
      say(err.code === 'ELOCKED' ? 'ELOCKED' : `ERROR ${err.code} ${err.message}`);
      return;
    }
    say('LOCKED');
    await release();
    say('RELEASED');
  } else if (mode === 'count') {
    const [times, stale] = rest;
    const retries = { retries: 10_000, minTimeout: 2, maxTimeout: 20, factor: 1.5 };
    for (let i = 0; i < Number(times); i++) {
      const release = await lockfile.lock(file, options(stale, retries));
      const n = Number(readFileSync(file, 'utf8').trim() || '0');
      writeFileSync(file, `${n + 1}\n`);
      await release();
    }
    say('DONE');
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((err) => {
  say(`ERROR ${err.code ?? ''} ${err.message}`);
  process.exit(2);
});
