//! A [`ByteStorage`] backed by a JavaScript object, so hosts only implement raw I/O.
//!
//! The object provides synchronous methods: `readAll(): Uint8Array | null`,
//! `readRange(offset, length): Uint8Array`, `size(): number | null`, optionally
//! `stat(): { size, dev, ino, mtimeMs } | null`, `append(bytes)`,
//! `replace(bytes)`, and `lockPath(): string` plus the lock primitives `lockMkdir(path)`,
//! `lockMtimeMs(path)`, `lockRemoveDir(path)`, `lockSetMtimeMs(path, ms)`, `nowMs()` and
//! `sleepMs(ms)`. The lock protocol itself (proper-lockfile compatible) runs in the core's
//! [`DirLock`]. Thrown JS errors become storage errors.

use std::cell::{Cell, RefCell};

use js_sys::{Function, Reflect, Uint8Array};
use pie_storage_core::bindings_support::{DirLock, HeldLock, LockFs, MkdirOutcome};
use pie_storage_core::storage::{BlobStat, ByteStorage};
use pie_storage_core::Error;
use wasm_bindgen::{JsCast, JsValue};

type CoreResult<T> = pie_storage_core::error::Result<T>;

pub struct JsStorage {
    target: JsValue,
    held: RefCell<Option<(DirLock, HeldLock)>>,
    /// An acquisition driven without blocking ([`JsStorage::lock_step`]): the lock, when it
    /// started and how many attempts failed.
    pending: RefCell<Option<(DirLock, f64, u32)>>,
    /// The held lock was taken by `lock_step` for the next operation, whose `lock()` adopts it.
    adopted: Cell<bool>,
}

impl JsStorage {
    pub fn new(target: JsValue) -> Self {
        JsStorage {
            target,
            held: RefCell::new(None),
            pending: RefCell::new(None),
            adopted: Cell::new(false),
        }
    }

    fn lock_of(&self) -> CoreResult<DirLock> {
        let path = self
            .call("lockPath", &[])?
            .as_string()
            .ok_or_else(|| Error::storage("lockPath() must return a string"))?;
        Ok(DirLock::new(path))
    }

    /// One non-blocking acquisition attempt for the next operation: `None` when the lock is now
    /// held (the operation's `lock()` adopts it), else the milliseconds to wait before calling
    /// again. The backoff and timeout are the core's ([`DirLock::next_wait`]); the host only
    /// awaits, so the JavaScript thread never sleeps while another process holds the lock.
    pub fn lock_step(&self) -> CoreResult<Option<u32>> {
        if self.held.borrow().is_some() {
            return Err(Error::storage(
                "the lock is already held by this store (locks are not re-entrant)",
            ));
        }
        let (lock, started, attempt) = match self.pending.borrow_mut().take() {
            Some(pending) => pending,
            None => (self.lock_of()?, self.now_ms(), 0),
        };
        if let Some(held) = lock.try_acquire(self)? {
            *self.held.borrow_mut() = Some((lock, held));
            self.adopted.set(true);
            return Ok(None);
        }
        let wait = lock.next_wait(started, self.now_ms(), attempt)?;
        *self.pending.borrow_mut() = Some((lock, started, attempt + 1));
        Ok(Some(wait))
    }

    /// Releases a lock taken by [`JsStorage::lock_step`] that the operation did not use (it
    /// failed before writing, or did not need to write).
    pub fn release_unused(&self) -> CoreResult<()> {
        self.pending.borrow_mut().take();
        if self.adopted.replace(false) {
            return self.unlock();
        }
        Ok(())
    }

    fn call(&self, method: &str, args: &[JsValue]) -> pie_storage_core::error::Result<JsValue> {
        let f: Function = Reflect::get(&self.target, &method.into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| Error::storage(format!("storage has no {method}() method")))?;
        let result = match args {
            [] => f.call0(&self.target),
            [a] => f.call1(&self.target, a),
            [a, b] => f.call2(&self.target, a, b),
            _ => f.apply(&self.target, &args.iter().collect()),
        };
        result.map_err(|e| js_error_to_core(method, &e))
    }
}

impl JsStorage {
    /// Before a write under the lock: refreshes it, and refuses the write when the lock is no
    /// longer ours (a slow holder overtaken as stale must not overwrite the new holder's data).
    /// JavaScript has no refresher thread, so this is where a long operation keeps its lock fresh.
    fn confirm_lock(&self) -> CoreResult<()> {
        let mut held = self.held.borrow_mut();
        match held.as_mut() {
            Some((lock, proof)) => lock.confirm_before_write(self, proof),
            None => Ok(()),
        }
    }
}

/// Keeps the JS error's code and message (file system errors name paths, never contents).
fn js_error_to_core(method: &str, e: &JsValue) -> Error {
    let get = |key: &str| {
        Reflect::get(e, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    let message = get("message").unwrap_or_else(|| "unknown error".into());
    let mut err = Error::storage(format!("{method} failed: {message}"));
    if let Some(code) = get("code") {
        if code == pie_storage_core::ErrorCode::LockTimeout.as_str() {
            err.code = pie_storage_core::ErrorCode::LockTimeout;
        }
    }
    err
}

fn bytes_of(v: &JsValue) -> Option<Vec<u8>> {
    if v.is_null() || v.is_undefined() {
        None
    } else if let Some(bytes) = v.dyn_ref::<Uint8Array>() {
        // Node's Buffer is a Uint8Array: copy once, into wasm memory.
        Some(bytes.to_vec())
    } else {
        Some(Uint8Array::new(v).to_vec())
    }
}

fn number_of(v: &JsValue) -> Option<u64> {
    v.as_f64()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n as u64)
}

impl ByteStorage for JsStorage {
    fn name(&self) -> Option<String> {
        Reflect::get(&self.target, &"path".into())
            .ok()
            .and_then(|v| v.as_string())
    }

    fn read_all(&self) -> pie_storage_core::error::Result<Option<Vec<u8>>> {
        Ok(bytes_of(&self.call("readAll", &[])?))
    }

    fn read_range(&self, offset: u64, len: usize) -> pie_storage_core::error::Result<Vec<u8>> {
        let v = self.call(
            "readRange",
            &[JsValue::from(offset as f64), JsValue::from(len as f64)],
        )?;
        Ok(bytes_of(&v).unwrap_or_default())
    }

    /// With a JS `readInto(offset, target): number`, the host reads straight into wasm memory.
    fn read_into(&self, offset: u64, buf: &mut [u8]) -> pie_storage_core::error::Result<usize> {
        let has_read_into = Reflect::get(&self.target, &"readInto".into())
            .map(|f| f.is_function())
            .unwrap_or(false);
        if !has_read_into {
            let bytes = self.read_range(offset, buf.len())?;
            let n = bytes.len().min(buf.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            return Ok(n);
        }
        // SAFETY: the view is only used by this call, during which nothing allocates in wasm
        // memory (the host fills it with a file read), so the memory cannot grow under it.
        let view = unsafe { Uint8Array::view_mut_raw(buf.as_mut_ptr(), buf.len()) };
        let n = self.call("readInto", &[JsValue::from(offset as f64), view.into()])?;
        Ok(number_of(&n).map_or(0, |n| (n as usize).min(buf.len())))
    }

    fn size(&self) -> pie_storage_core::error::Result<Option<u64>> {
        Ok(number_of(&self.call("size", &[])?))
    }

    /// `stat(): { size, dev, ino, mtimeMs } | null` when the object has it, else the size.
    fn stat(&self) -> pie_storage_core::error::Result<Option<BlobStat>> {
        let has_stat = Reflect::get(&self.target, &"stat".into())
            .map(|f| f.is_function())
            .unwrap_or(false);
        if !has_stat {
            return Ok(self.size()?.map(|size| BlobStat {
                size,
                ..BlobStat::default()
            }));
        }
        let v = self.call("stat", &[])?;
        if v.is_null() || v.is_undefined() {
            return Ok(None);
        }
        let field = |key: &str| Reflect::get(&v, &key.into()).ok().and_then(|x| x.as_f64());
        let Some(size) = field("size").and_then(|n| number_of(&n.into())) else {
            return Err(Error::storage("stat() returned no size"));
        };
        let identity = match (field("dev"), field("ino")) {
            (Some(dev), Some(ino)) => Some((dev as u64, ino as u64)),
            _ => None,
        };
        Ok(Some(BlobStat {
            size,
            identity,
            modified_ms: field("mtimeMs"),
        }))
    }

    fn append(&self, bytes: &[u8]) -> pie_storage_core::error::Result<()> {
        self.confirm_lock()?;
        self.call("append", &[Uint8Array::from(bytes).into()])
            .map(|_| ())
    }

    fn replace(&self, bytes: &[u8]) -> pie_storage_core::error::Result<()> {
        self.confirm_lock()?;
        self.call("replace", &[Uint8Array::from(bytes).into()])
            .map(|_| ())
    }

    fn lock(&self) -> CoreResult<()> {
        if self.adopted.replace(false) {
            return Ok(());
        }
        if self.held.borrow().is_some() {
            return Err(Error::storage(
                "the lock is already held by this store (locks are not re-entrant)",
            ));
        }
        let lock = self.lock_of()?;
        let held = lock.acquire(self)?;
        *self.held.borrow_mut() = Some((lock, held));
        Ok(())
    }

    fn unlock(&self) -> CoreResult<()> {
        match self.held.borrow_mut().take() {
            Some((lock, held)) => lock.release(self, held),
            None => Err(Error::storage("unlock() without a held lock")),
        }
    }
}

impl LockFs for JsStorage {
    fn mkdir(&self, path: &str) -> CoreResult<MkdirOutcome> {
        match self
            .call("lockMkdir", &[path.into()])?
            .as_string()
            .as_deref()
        {
            Some("created") => Ok(MkdirOutcome::Created),
            _ => Ok(MkdirOutcome::Exists),
        }
    }

    fn mtime_ms(&self, path: &str) -> CoreResult<Option<f64>> {
        Ok(self.call("lockMtimeMs", &[path.into()])?.as_f64())
    }

    fn remove_dir(&self, path: &str) -> CoreResult<()> {
        self.call("lockRemoveDir", &[path.into()]).map(|_| ())
    }

    fn set_mtime_ms(&self, path: &str, ms: f64) -> CoreResult<()> {
        self.call("lockSetMtimeMs", &[path.into(), ms.into()])
            .map(|_| ())
    }

    fn now_ms(&self) -> f64 {
        self.call("nowMs", &[])
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or_else(js_sys::Date::now)
    }

    fn sleep_ms(&self, ms: u32) {
        let _ = self.call("sleepMs", &[ms.into()]);
    }
}
