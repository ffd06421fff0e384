// The Node host of the core's I/O steps (core/src/io/request.rs): each request is carried out
// with `fs/promises` and awaited, so a lock wait or a large file never blocks the event loop.
// Every decision (what to read, the lock protocol, temp-file names, whether a replace follows a
// symbolic link) is the core's: this file only performs the request it is given.

import { type FileHandle, lstat, mkdir, open, readdir, readFile, realpath, rename, rmdir, stat, unlink, utimes } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

import type { CoreHost, CoreRequest } from "./core-api.js";

/** Folders the package creates (the agent folder) are private to their owner, like its files. */
const PRIVATE_FOLDER_MODE = 0o700;
/** Files the package creates: they hold credentials and usage history. */
const PRIVATE_FILE_MODE = 0o600;
/** Reads this large are followed by reads ahead of the same size. */
const READ_AHEAD_MIN = 256 * 1024;
/** How many reads ahead are under way at once: the core's work on a step is uneven (a large
 * array is allocated in one), so one read ahead is often not enough to keep it busy. */
const READS_AHEAD = 2;
/** Reads this large go through reused buffers. */
const POOLED_MIN = 64 * 1024;

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException)?.code;
}

function isMissing(error: unknown): boolean {
  return code(error) === "ENOENT";
}

/**
 * Makes a completed rename durable. Some file systems cannot fsync a folder (EINVAL, ENOTSUP;
 * EISDIR where folders cannot be opened): the write is done, only durability is weaker, so that is
 * not reported as a failure (a caller would retry and write it twice). The Rust host does the same.
 */
async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, "r");
  } catch (error) {
    if (code(error) === "EISDIR") return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    const c = code(error);
    if (c !== "EINVAL" && c !== "ENOTSUP" && c !== "EISDIR") throw error;
  } finally {
    await handle.close();
  }
}


function split(path: string): { path: string; folder: string; name: string } {
  return { path, folder: dirname(path), name: basename(path) };
}

/** A file's identity as the core names it: the device and inode numbers `stat` gave. */
type Identity = { dev: number; ino: number };

/** A handle a store keeps open, known by the identity of the file it was opened on. */
interface Kept {
  handle: FileHandle;
  /** Unknown until its `stat` answers; a handle of unknown identity is not used again. */
  identity: Identity | undefined;
  /** Requests using it now: it is closed only when none is. */
  users: number;
  /** Replaced or idle: closed when its last user is done. */
  retired: boolean;
}

/** How long a kept handle stays open without being used. */
const KEEP_IDLE_MS = 2000;

/**
 * The files a store keeps open between its operations (the data file for reads and for
 * appends, the saved index for reads), so a warm operation does not open and close them again.
 * The core says which file each read or append means (its `identity`, from its last `stat` of
 * the blob); a kept handle is used only when it was opened on exactly that file, else the
 * path is opened again and the new handle kept in its place.
 */
class KeptFiles {
  private readonly files = new Map<string, Kept>();
  private timer: NodeJS.Timeout | undefined;
  private usedSinceCheck = false;

  /**
   * Runs `use` with a handle on `path` opened with `flags` (`open` opens it; `null`: the file
   * is missing, and `use` is not called).
   */
  async with<T>(
    path: string,
    flags: "r" | "a",
    identity: Identity | undefined,
    open: () => Promise<FileHandle | null>,
    use: (handle: FileHandle) => Promise<T>,
  ): Promise<T | null> {
    const key = `${flags}:${path}`;
    let kept = this.files.get(key);
    if (kept === undefined || kept.retired || identity === undefined || !sameFile(kept.identity, identity)) {
      const handle = await open();
      if (handle === null) return null;
      kept = { handle, identity: undefined, users: 0, retired: false };
      const fresh = kept;
      const old = this.files.get(key);
      this.files.set(key, fresh);
      if (old !== undefined) this.retire(old);
      // Learnt while this request reads or writes through it (never assumed from the request).
      handle.stat().then(
        (s) => (fresh.identity = { dev: s.dev, ino: s.ino }),
        () => this.retire(fresh),
      );
    }
    kept.users += 1;
    this.touch();
    try {
      return await use(kept.handle);
    } finally {
      kept.users -= 1;
      if (kept.retired && kept.users === 0) close(kept);
    }
  }

  /** Closes the handles on `path` (it is about to be replaced), once their requests are done. */
  forget(path: string): void {
    for (const [key, kept] of this.files) {
      if (key.slice(2) === path) {
        this.files.delete(key);
        this.retire(kept);
      }
    }
  }

  private retire(kept: Kept): void {
    kept.retired = true;
    if (kept.users === 0) close(kept);
  }

  private touch(): void {
    this.usedSinceCheck = true;
    this.schedule();
  }

  /** Handles unused for {@link KEEP_IDLE_MS} are closed; the timer never keeps the process alive. */
  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.check(), KEEP_IDLE_MS);
    this.timer.unref();
  }

  private check(): void {
    this.timer = undefined;
    if (this.usedSinceCheck) {
      this.usedSinceCheck = false;
      this.schedule();
      return;
    }
    for (const [key, kept] of this.files) {
      this.files.delete(key);
      this.retire(kept);
    }
  }
}

function sameFile(a: Identity | undefined, b: Identity): boolean {
  return a !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** Whether two reads name the same file (both by identity, or both without one). */
function sameRequest(a: Identity | undefined, b: Identity | undefined): boolean {
  return b === undefined ? a === undefined : sameFile(a, b);
}

function close(kept: Kept): void {
  kept.handle.close().catch(() => undefined);
}

/** The files of one store: its data file and, for usage stores, where its index is saved. */
export class NodeFileHost implements CoreHost {
  /** The reads after the last one, started while the core works on the last one's bytes. */
  private ahead: { path: string; offset: number; length: number; identity?: Identity; bytes: Promise<Uint8Array> }[] = [];
  /** Reads ahead that were not used, awaited before the handles close. */
  private readonly dropped = new Set<Promise<Uint8Array>>();
  /**
   * Read buffers to reuse. The core copies a read's bytes out before the next request
   * (`drive`), so the buffer of the last answer is free again by then: a large file is read
   * through two buffers instead of a fresh allocation (and its page faults) per step.
   */
  private readonly spare: ArrayBuffer[] = [];
  /** The buffers this host allocated for large reads (small ones come from Node's shared pool). */
  private readonly pooled = new WeakSet<ArrayBuffer>();
  /** The buffer of the last answer, free again at the next request. */
  private lent: ArrayBuffer | undefined;

  constructor(
    readonly dataPath: string,
    readonly savedIndexPath?: string,
    /** Shared by the store's operations. */
    private readonly kept = new KeptFiles(),
  ) {}

  /** A host for one operation: the same files (and kept handles), its own reads ahead. */
  session(): NodeFileHost {
    return new NodeFileHost(this.dataPath, this.savedIndexPath, this.kept);
  }

  /** Ends the operation once its reads ahead are done (none is left writing a buffer). */
  async close(): Promise<void> {
    this.dropAhead();
    if (this.dropped.size === 0) return;
    const dropped = [...this.dropped];
    this.dropped.clear();
    await Promise.all(dropped.map((bytes) => bytes.catch(() => undefined)));
  }

  private pathOf(request: CoreRequest): string {
    if (request.blob === "savedIndex" && this.savedIndexPath !== undefined) return this.savedIndexPath;
    if (request.blob === "savedIndex") throw Object.assign(new Error("this store keeps no saved index"), { code: "ENOSYS" });
    // A file of the store's folder, named by the core.
    if (request.blob === "segment") return join(this.dataPath, request.member!);
    return this.dataPath;
  }

  /**
   * Carries out one request; the value is the reply `CoreOperation.reply` expects. A request
   * that needs no I/O (the clock) is answered at once, without a Promise.
   */
  perform(request: CoreRequest): unknown {
    if (this.lent !== undefined && this.spare.length < 2) this.spare.push(this.lent);
    this.lent = undefined;
    if (request.kind === "now") return Date.now();
    return this.performIo(request);
  }

  private async performIo(request: CoreRequest): Promise<unknown> {
    switch (request.kind) {
      case "stat":
        return this.stat(this.pathOf(request));
      case "readAll":
        return this.readAll(this.pathOf(request));
      case "readAt":
        return this.readAt(this.pathOf(request), request.offset ?? 0, request.length ?? 0, request.identity);
      case "append":
        return this.append(this.pathOf(request), request.bytes ?? new Uint8Array(), request.identity);
      case "locate":
        return this.locate(this.pathOf(request), request.followLinks === true);
      case "replace":
        // Handles on the old file must not stand in the way of the rename (Windows).
        this.kept.forget(this.pathOf(request));
        this.kept.forget(request.at!.path);
        return this.replace(request.at!, request.tempName!, request.bytes ?? new Uint8Array());
      case "listFolder":
        return readdir(request.folder!).catch((error) => {
          if (isMissing(error)) return [];
          throw error;
        });
      case "removeFile":
        return this.removeFile(join(request.folder!, request.name!));
      case "makeDir":
        return this.makeDir(request.path!);
      case "dirMtime":
        return this.mtime(request.path!);
      case "removeDir":
        return this.removeDir(request.path!);
      case "setDirMtime":
        return utimes(request.path!, request.ms! / 1000, request.ms! / 1000);
      case "sleep":
        return new Promise((resolve) => setTimeout(resolve, request.ms));
      default:
        throw new Error(`this host cannot carry out ${request.kind}`);
    }
  }

  private async stat(path: string): Promise<{ size: number; dev: number; ino: number; mtimeMs: number } | null> {
    try {
      const s = await stat(path);
      return { size: s.size, dev: s.dev, ino: s.ino, mtimeMs: s.mtimeMs };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  private async readAll(path: string): Promise<Uint8Array | null> {
    try {
      return await readFile(path);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /**
   * Reads of consecutive ranges (indexing a file) overlap with the core's work: the next range
   * is read while the core scans this one. Only the timing changes, never what is read.
   */
  private async readAt(path: string, offset: number, length: number, identity?: Identity): Promise<Uint8Array> {
    const ahead = this.ahead[0];
    let bytes: Uint8Array;
    if (ahead?.path === path && ahead.offset === offset && ahead.length === length && sameRequest(ahead.identity, identity)) {
      this.ahead.shift();
      bytes = await ahead.bytes;
    } else {
      this.dropAhead();
      bytes = await this.readNow(path, offset, length, identity);
    }
    if (this.pooled.has(bytes.buffer as ArrayBuffer)) this.lent = bytes.buffer as ArrayBuffer;
    if (length >= READ_AHEAD_MIN && bytes.length === length) {
      let next = (this.ahead.at(-1)?.offset ?? offset) + length;
      while (this.ahead.length < READS_AHEAD) {
        const read = { path, offset: next, length, identity, bytes: this.readNow(path, next, length, identity) };
        read.bytes.catch(() => undefined);
        this.ahead.push(read);
        next += length;
      }
    }
    return bytes;
  }

  /** Forgets the reads ahead: they finish on their own, before the handle is closed. */
  private dropAhead(): void {
    for (const { bytes } of this.ahead) {
      this.dropped.add(bytes);
      const done = () => this.dropped.delete(bytes);
      bytes.then(done, done);
    }
    this.ahead = [];
  }

  private async readNow(path: string, offset: number, length: number, identity?: Identity): Promise<Uint8Array> {
    const opened = () =>
      open(path, "r").catch((error) => {
        if (isMissing(error)) return null;
        throw error;
      });
    const bytes = await this.kept.with(path, "r", identity, opened, async (handle) => {
      const buffer = this.buffer(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    });
    return bytes ?? new Uint8Array();
  }

  /** A buffer of `length` bytes: for a large read, a spare one when one is large enough. */
  private buffer(length: number): Buffer {
    if (length < POOLED_MIN) return Buffer.allocUnsafe(length);
    const at = this.spare.findIndex((b) => b.byteLength >= length);
    const whole = at < 0 ? new ArrayBuffer(length) : this.spare.splice(at, 1)[0];
    this.pooled.add(whole);
    return Buffer.from(whole, 0, length);
  }

  /** One write() on an append-mode descriptor, so concurrent appenders never interleave. */
  private async append(path: string, bytes: Uint8Array, identity?: Identity): Promise<void> {
    const opened = () =>
      open(path, "a", PRIVATE_FILE_MODE).catch(async (error) => {
        if (!isMissing(error)) throw error;
        await mkdir(dirname(path), { recursive: true, mode: PRIVATE_FOLDER_MODE });
        return open(path, "a", PRIVATE_FILE_MODE);
      });
    await this.kept.with(path, "a", identity, opened, async (handle) => {
      const { bytesWritten } = await handle.write(bytes);
      if (bytesWritten !== bytes.length) throw new Error(`short append to ${path}: ${bytesWritten} of ${bytes.length} bytes`);
    });
  }

  /** The file (its link target when asked), else the resolved folder plus the name. */
  private async locate(path: string, followLinks: boolean): Promise<{ path: string; folder: string; name: string }> {
    if (followLinks) {
      try {
        return split(await realpath(path));
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    const folder = await realpath(dirname(path)).catch(async (error) => {
      if (!isMissing(error)) throw error;
      await mkdir(dirname(path), { recursive: true, mode: PRIVATE_FOLDER_MODE });
      return realpath(dirname(path));
    });
    return split(join(folder, basename(path)));
  }

  /** `tempName` in the folder, written, flushed and renamed over the file; then the folder flushed. */
  private async replace(at: { path: string; folder: string; name: string }, tempName: string, bytes: Uint8Array): Promise<void> {
    await mkdir(at.folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
    const target = join(at.folder, at.name);
    let mode = PRIVATE_FILE_MODE;
    try {
      const existing = await lstat(target);
      if (existing.isFile()) mode = existing.mode & 0o777;
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    const temp = join(at.folder, tempName);
    const handle = await open(temp, "wx", mode);
    try {
      try {
        await handle.writeFile(bytes);
        await handle.chmod(mode);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncFolder(at.folder);
  }

  private async removeFile(path: string): Promise<void> {
    try {
      await unlink(path);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  private async makeDir(path: string): Promise<"created" | "exists"> {
    try {
      await mkdir(path);
      return "created";
    } catch (error) {
      if (code(error) === "EEXIST") return "exists";
      throw error;
    }
  }

  private async mtime(path: string): Promise<number | null> {
    try {
      return (await stat(path)).mtimeMs;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  private async removeDir(path: string): Promise<void> {
    try {
      await rmdir(path);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
}
