// Shared helpers for the workspace scripts: run commands, find tools, install what is missing.
// Uses only Node built-ins so it works before `npm install`.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export function log(message) {
  console.log(`\x1b[36m[pie-storage]\x1b[0m ${message}`);
}

/** Runs a command with inherited output; throws when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: root, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
  }
}

/** Runs a command and returns its stdout, or null when it cannot run. */
export function capture(command, args) {
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8" });
  if (result.error || result.status !== 0) return null;
  return result.stdout.trim();
}

function cargoBin(name) {
  const home = process.env.CARGO_HOME ?? join(process.env.HOME ?? "/root", ".cargo");
  const path = join(home, "bin", name);
  return existsSync(path) ? path : name;
}

/** The wasm-bindgen version pinned in wasm/Cargo.toml (`wasm-bindgen = "=X"`). */
export function pinnedWasmBindgen() {
  const toml = readFileSync(join(root, "wasm", "Cargo.toml"), "utf8");
  const match = toml.match(/^wasm-bindgen\s*=\s*"=([^"]+)"/m);
  if (!match) throw new Error("wasm/Cargo.toml must pin wasm-bindgen with '='");
  return match[1];
}

export function wasmBindgenBinary() {
  return cargoBin("wasm-bindgen");
}

export function ensureRustWasmTarget() {
  const installed = capture("rustup", ["target", "list", "--installed"]) ?? "";
  if (installed.split("\n").includes("wasm32-unknown-unknown")) return;
  log("installing the wasm32-unknown-unknown target");
  run("rustup", ["target", "add", "wasm32-unknown-unknown"]);
}

export function ensureWasmBindgenCli() {
  const want = pinnedWasmBindgen();
  const have = capture(wasmBindgenBinary(), ["--version"]);
  if (have === `wasm-bindgen ${want}`) return;
  log(`installing wasm-bindgen-cli ${want} (found: ${have ?? "none"}); this takes a few minutes`);
  run("cargo", ["install", "wasm-bindgen-cli", "--version", want, "--force"]);
}

export function ensureNpmDependencies() {
  const marker = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  const fresh = existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs);
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const needed = ["typescript", ...Object.keys(manifest.devDependencies)].every((p) =>
    existsSync(join(root, "node_modules", p)),
  );
  if (fresh && needed) return;
  log("installing npm dependencies");
  run("npm", ["install", "--no-audit", "--no-fund"]);
}

export const chromiumPath = "/usr/bin/chromium";

export function ensureChromium() {
  if (existsSync(chromiumPath)) return;
  log("installing Debian's chromium for the browser tests");
  aptInstall(["chromium"]);
}

/**
 * `apt-get install` of Debian packages, waiting (up to 10 minutes) for another install that holds
 * apt's or dpkg's lock instead of failing with "Could not get lock": apt's own
 * `DPkg::Lock::Timeout` covers dpkg's lock, and a failure that names a lock is retried.
 */
export function aptInstall(packages) {
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const apt = (args) => {
    const command = [...sudo, "apt-get", "-o", "DPkg::Lock::Timeout=600", ...args];
    const deadline = Date.now() + 600_000;
    for (;;) {
      const result = spawnSync(command[0], command.slice(1), { cwd: root, encoding: "utf8", stdio: ["ignore", "inherit", "pipe"] });
      process.stderr.write(result.stderr ?? "");
      if (result.status === 0) return;
      const locked = /Could not get lock|Unable to acquire the dpkg|is held by process/.test(result.stderr ?? "");
      if (!locked || Date.now() > deadline) throw new Error(`${command.join(" ")} exited with ${result.status ?? result.signal}`);
      log("another apt-get holds the package lock; waiting");
      spawnSync("sleep", ["5"]);
    }
  };
  apt(["update"]);
  apt(["install", "-y", ...packages]);
}

/** Everything a build needs. */
export function setupBuild() {
  ensureRustWasmTarget();
  ensureWasmBindgenCli();
  ensureNpmDependencies();
}
