//! Store operations driven from JavaScript, one I/O step at a time.
//!
//! `op.next()` runs the core until it needs I/O and returns the request as a plain object
//! (`{kind: "readAt", blob: "data", offset, length}`, ...) or `{kind: "done", value}`. The host
//! carries the request out (asynchronously: Node awaits `fs/promises`) and answers with
//! `op.reply(value)` or `op.fail(error)`. The shape of each request and reply is the core's
//! [`Request`]/[`Reply`]; this file only converts them.

use js_sys::{Array, Object, Reflect, Uint8Array};
use pie_storage_core::io::{Blob, Location, Operation, Reply, Request, Step};
use pie_storage_core::storage::BlobStat;
use pie_storage_core::storage::MkdirOutcome;
use pie_storage_core::{Error, ErrorCode};
use wasm_bindgen::prelude::*;

use crate::errors::{to_js, JsResult};

/// What the operation asked last, kept to read the reply in its terms.
enum Pending {
    None,
    ReadAt(Vec<u8>),
    Asked(&'static str),
    /// Requests side by side: each part until it is answered, and the replies so far.
    All(Vec<Option<Pending>>, Vec<Option<Reply>>),
}

#[wasm_bindgen(js_name = CoreOperation)]
pub struct JsOperation {
    op: Operation<'static, JsValue>,
    pending: Pending,
    reply: Option<Reply>,
}

impl JsOperation {
    pub fn new(op: Operation<'static, JsValue>) -> JsOperation {
        JsOperation {
            op,
            pending: Pending::None,
            reply: None,
        }
    }
}

fn set(target: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &key.into(), &value.into());
}

fn blob_name(blob: Blob) -> &'static str {
    match blob {
        Blob::Data => "data",
        Blob::SavedIndex => "savedIndex",
        Blob::Segment(_) => "segment",
    }
}

/// `blob`, and for a segment its file name in the store's folder (`member`).
fn set_blob(out: &Object, blob: Blob) {
    set(out, "blob", blob_name(blob));
    if let Some(member) = blob.member_name() {
        set(out, "member", member);
    }
}

/// `identity: {dev, ino}` (the numbers the host's `stat` gave), when the core knows it.
fn set_identity(out: &Object, identity: Option<(u64, u64)>) {
    if let Some((dev, ino)) = identity {
        let id = Object::new();
        set(&id, "dev", dev as f64);
        set(&id, "ino", ino as f64);
        set(out, "identity", id);
    }
}

fn location_to_js(at: &Location) -> Object {
    let out = Object::new();
    set(&out, "path", at.path.as_str());
    set(&out, "folder", at.folder.as_str());
    set(&out, "name", at.name.as_str());
    out
}

/// One request as a plain object, and what its reply will be read against.
fn request_to_js(request: Request) -> JsResult<(Object, Pending)> {
    let out = Object::new();
    set(&out, "kind", request.kind());
    let mut pending = Pending::Asked(request.kind());
    match request {
        Request::Stat(blob) | Request::ReadAll(blob) => set_blob(&out, blob),
        Request::ReadAt {
            blob,
            offset,
            buf,
            identity,
        } => {
            set_blob(&out, blob);
            set(&out, "offset", offset as f64);
            set(&out, "length", buf.len() as f64);
            set_identity(&out, identity);
            pending = Pending::ReadAt(buf);
        }
        Request::Append {
            blob,
            bytes,
            identity,
        } => {
            set_blob(&out, blob);
            set(&out, "bytes", Uint8Array::from(bytes.as_slice()));
            set_identity(&out, identity);
        }
        Request::Locate { blob, follow_links } => {
            set_blob(&out, blob);
            set(&out, "followLinks", follow_links);
        }
        Request::Replace {
            blob,
            at,
            temp_name,
            bytes,
        } => {
            set_blob(&out, blob);
            set(&out, "at", location_to_js(&at));
            set(&out, "tempName", temp_name);
            set(&out, "bytes", Uint8Array::from(bytes.as_slice()));
        }
        Request::ListFolder { blob, folder } => {
            set_blob(&out, blob);
            set(&out, "folder", folder);
        }
        Request::RemoveFile { blob, folder, name } => {
            set_blob(&out, blob);
            set(&out, "folder", folder);
            set(&out, "name", name);
        }
        Request::MakeDir { blob, path }
        | Request::DirMtime { blob, path }
        | Request::RemoveDir { blob, path } => {
            set_blob(&out, blob);
            set(&out, "path", path);
        }
        Request::SetDirMtime { blob, path, ms } => {
            set_blob(&out, blob);
            set(&out, "path", path);
            set(&out, "ms", ms);
        }
        Request::Now => {}
        Request::Sleep(ms) => set(&out, "ms", ms),
        Request::All(requests) => {
            let list = Array::new();
            let mut parts = Vec::with_capacity(requests.len());
            for request in requests {
                let (js, part) = request_to_js(request)?;
                list.push(&js);
                parts.push(Some(part));
            }
            set(&out, "requests", list);
            let replies = parts.iter().map(|_| None).collect();
            pending = Pending::All(parts, replies);
        }
        other => {
            return Err(to_js(Error::storage(format!(
                "this host cannot carry out {}",
                other.kind()
            ))))
        }
    }
    Ok((out, pending))
}

/// The reply to `pending` read from the host's `value`.
fn reply_to(pending: Pending, value: &JsValue) -> JsResult<Reply> {
    Ok(match pending {
        Pending::ReadAt(mut buf) => {
            // Straight into the operation's buffer: one copy from the JS bytes (a Node
            // Buffer is a Uint8Array; `new Uint8Array(value)` would copy it first).
            let converted;
            let bytes = match value.dyn_ref::<Uint8Array>() {
                Some(bytes) => bytes,
                None => {
                    converted = Uint8Array::new(value);
                    &converted
                }
            };
            let n = (bytes.length() as usize).min(buf.len());
            bytes.subarray(0, n as u32).copy_to(&mut buf[..n]);
            Reply::Filled(buf, n)
        }
        Pending::Asked(kind) => reply_of(kind, value),
        Pending::All(..) => {
            return Err(to_js(Error::storage(
                "requests side by side are answered one by one (replyPart, failPart)",
            )))
        }
        Pending::None => return Err(to_js(Error::storage("no request is waiting for a reply"))),
    })
}

fn kind_of(pending: &Pending) -> &'static str {
    match pending {
        Pending::ReadAt(_) => "readAt",
        Pending::Asked(kind) => kind,
        Pending::All(..) => "all",
        Pending::None => "request",
    }
}

#[wasm_bindgen(js_class = CoreOperation)]
impl JsOperation {
    /// Runs to the next I/O request (returned as an object) or to the end (`{kind: "done",
    /// value}`); the core's errors are thrown. Requests the core asks side by side come as
    /// `{kind: "all", requests: [...]}`, each answered with `replyPart(i, value)` or
    /// `failPart(i, error)`, in any order.
    pub fn next(&mut self) -> JsResult<Object> {
        let reply = match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::All(_, replies) => Some(Reply::All(
                replies
                    .into_iter()
                    .map(|r| {
                        r.unwrap_or_else(|| {
                            Reply::Failed(Error::storage("the host did not answer this request"))
                        })
                    })
                    .collect(),
            )),
            _ => self.reply.take(),
        };
        let request = match self.op.resume(reply) {
            Step::Done(result) => {
                let out = Object::new();
                set(&out, "kind", "done");
                set(&out, "value", result.map_err(to_js)?);
                return Ok(out);
            }
            Step::Io(request) => request,
        };
        let (out, pending) = request_to_js(request)?;
        self.pending = pending;
        Ok(out)
    }

    /// The host's answer to the last request, in the request's terms: `stat` → `null` |
    /// `{size, dev, ino, mtimeMs}`; `readAll` → `null` | bytes; `readAt` → the bytes read;
    /// `locate` → `{path, folder, name}`; `listFolder` → names; `makeDir` → `"created"` |
    /// `"exists"`; `dirMtime` → `null` | ms; `now` → ms; anything else → `undefined`.
    pub fn reply(&mut self, value: JsValue) -> JsResult<()> {
        let pending = std::mem::replace(&mut self.pending, Pending::None);
        self.reply = Some(reply_to(pending, &value)?);
        Ok(())
    }

    /// The last request failed with `error` (a Node `Error` with its `code`).
    pub fn fail(&mut self, error: JsValue) {
        let kind = kind_of(&self.pending);
        self.pending = Pending::None;
        self.reply = Some(Reply::Failed(js_error_to_core(kind, &error)));
    }

    /// The answer to request `index` of an `all` request (as [`JsOperation::reply`]).
    #[wasm_bindgen(js_name = replyPart)]
    pub fn reply_part(&mut self, index: u32, value: JsValue) -> JsResult<()> {
        let (part, slot) = self.part(index)?;
        *slot = Some(reply_to(part, &value)?);
        Ok(())
    }

    /// Request `index` of an `all` request failed (as [`JsOperation::fail`]).
    #[wasm_bindgen(js_name = failPart)]
    pub fn fail_part(&mut self, index: u32, error: JsValue) -> JsResult<()> {
        let (part, slot) = self.part(index)?;
        *slot = Some(Reply::Failed(js_error_to_core(kind_of(&part), &error)));
        Ok(())
    }
}

impl JsOperation {
    /// Part `index` of the `all` request waiting (taken: each is answered once), and where
    /// its reply goes.
    fn part(&mut self, index: u32) -> JsResult<(Pending, &mut Option<Reply>)> {
        let Pending::All(parts, replies) = &mut self.pending else {
            return Err(to_js(Error::storage(
                "no requests side by side are waiting",
            )));
        };
        let index = index as usize;
        let part = parts.get_mut(index).and_then(Option::take);
        match (part, replies.get_mut(index)) {
            (Some(part), Some(slot)) => Ok((part, slot)),
            _ => Err(to_js(Error::storage(
                "that request is not waiting for a reply",
            ))),
        }
    }
}

fn reply_of(kind: &str, value: &JsValue) -> Reply {
    let absent = value.is_null() || value.is_undefined();
    match kind {
        "stat" if absent => Reply::Stat(None),
        "stat" => {
            let field = |key: &str| {
                Reflect::get(value, &key.into())
                    .ok()
                    .and_then(|x| x.as_f64())
            };
            let whole = |key: &str| {
                field(key)
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .map(|n| n as u64)
            };
            let identity = whole("dev").zip(whole("ino"));
            Reply::Stat(Some(BlobStat {
                size: whole("size").unwrap_or(0),
                identity,
                modified_ms: field("mtimeMs"),
            }))
        }
        "readAll" => Reply::Bytes(bytes_of(value)),
        "locate" => {
            let text = |key: &str| {
                Reflect::get(value, &key.into())
                    .ok()
                    .and_then(|x| x.as_string())
                    .unwrap_or_default()
            };
            Reply::Location(Location {
                path: text("path"),
                folder: text("folder"),
                name: text("name"),
            })
        }
        "listFolder" => Reply::Names(
            Array::from(value)
                .iter()
                .filter_map(|name| name.as_string())
                .collect(),
        ),
        "makeDir" => Reply::MakeDir(if value.as_string().as_deref() == Some("created") {
            MkdirOutcome::Created
        } else {
            MkdirOutcome::Exists
        }),
        "dirMtime" => Reply::Mtime(value.as_f64()),
        "now" => Reply::Now(value.as_f64().unwrap_or(f64::NAN)),
        _ => Reply::Done,
    }
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

/// Keeps the JS error's code and message (file system errors name paths, never contents).
fn js_error_to_core(kind: &str, e: &JsValue) -> Error {
    let get = |key: &str| {
        Reflect::get(e, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    let message = get("message").unwrap_or_else(|| "unknown error".into());
    let mut err = Error::storage(format!("{kind} failed: {message}"));
    if get("code").as_deref() == Some(ErrorCode::LockTimeout.as_str()) {
        err.code = ErrorCode::LockTimeout;
    }
    err
}
