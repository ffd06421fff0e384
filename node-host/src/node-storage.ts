// Raw file I/O for the wasm core (the `JsStorage` contract in wasm/src/js_storage.rs).
// Synchronous on purpose: the core drives each operation as one step, and every call here is a
// single system call or a short sequence of them. No format or protocol rule lives here.

import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

/** Folders the package creates (the agent folder) are private to their owner, like its files. */
const PRIVATE_FOLDER_MODE = 0o700;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "ENOENT";
}

/** Sleeps synchronously (the lock protocol waits between attempts). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Makes a completed rename durable. Some file systems cannot fsync a folder (EINVAL, ENOTSUP;
 * EISDIR where folders cannot be opened): the write is done, only durability is weaker, so that is
 * not reported as a failure (a caller would retry and write it twice). The Rust host does the same.
 */
function syncFolder(folder: string): void {
  let dirFd: number;
  try {
    dirFd = openSync(folder, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EISDIR") return;
    throw error;
  }
  try {
    fsyncSync(dirFd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EISDIR") throw error;
  } finally {
    closeSync(dirFd);
  }
}

export class NodeFileStorage {
  constructor(readonly path: string) {}

  readAll(): Uint8Array | null {
    try {
      return readFileSync(this.path);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  readRange(offset: number, length: number): Uint8Array {
    const fd = openSync(this.path, "r");
    try {
      const buffer = Buffer.allocUnsafe(length);
      const read = readSync(fd, buffer, 0, length, offset);
      return buffer.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  }

  /** Reads at `offset` straight into `target` (a view of wasm memory); returns bytes read. */
  readInto(offset: number, target: Uint8Array): number {
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
    try {
      let filled = 0;
      while (filled < target.length) {
        const n = readSync(fd, target, filled, target.length - filled, offset + filled);
        if (n === 0) break;
        filled += n;
      }
      return filled;
    } finally {
      closeSync(fd);
    }
  }

  size(): number | null {
    try {
      return statSync(this.path).size;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** Size plus what tells an append from a replacement (device, inode, modification time). */
  stat(): { size: number; dev: number; ino: number; mtimeMs: number } | null {
    try {
      const s = statSync(this.path);
      return { size: s.size, dev: s.dev, ino: s.ino, mtimeMs: s.mtimeMs };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** One write() on an append-mode descriptor, so concurrent appenders never interleave. */
  append(bytes: Uint8Array): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: PRIVATE_FOLDER_MODE });
    const fd = openSync(this.path, "a", 0o600);
    try {
      const written = writeSync(fd, bytes);
      if (written !== bytes.length) throw new Error(`short append to ${this.path}: ${written} of ${bytes.length} bytes`);
    } finally {
      closeSync(fd);
    }
  }

  /** Temp file in the same folder, fsync, rename over the target, fsync the folder. */
  replace(bytes: Uint8Array): void {
    const folder = dirname(this.path);
    mkdirSync(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
    let mode = 0o600;
    try {
      mode = statSync(this.path).mode & 0o777;
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    const temp = join(folder, `.${basename(this.path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    const fd = openSync(temp, "wx", mode);
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      fsyncSync(fd);
      closeSync(fd);
      renameSync(temp, this.path);
    } catch (error) {
      try { closeSync(fd); } catch { /* already closed */ }
      try { unlinkSync(temp); } catch { /* already gone */ }
      throw error;
    }
    syncFolder(folder);
  }

  // Lock primitives: the protocol itself (proper-lockfile compatible) runs in the core.

  /** `<realpath of the file>.lock`, as proper-lockfile names it (folder's realpath if missing). */
  lockPath(): string {
    try {
      return `${realpathSync(this.path)}.lock`;
    } catch (error) {
      if (!isMissing(error)) throw error;
      mkdirSync(dirname(this.path), { recursive: true, mode: PRIVATE_FOLDER_MODE });
      return `${join(realpathSync(dirname(this.path)), basename(this.path))}.lock`;
    }
  }

  lockMkdir(path: string): "created" | "exists" {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_FOLDER_MODE });
      mkdirSync(path);
      return "created";
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return "exists";
      throw error;
    }
  }

  lockMtimeMs(path: string): number | null {
    try {
      return statSync(path).mtimeMs;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  lockRemoveDir(path: string): void {
    try {
      rmdirSync(path);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  lockSetMtimeMs(path: string, ms: number): void {
    const seconds = ms / 1000;
    utimesSync(path, seconds, seconds);
  }

  nowMs(): number {
    return Date.now();
  }

  sleepMs(ms: number): void {
    sleepSync(ms);
  }
}
