//! The operator tools' functions by npm name (`operatorCall`): cooldowns, the pool in-use
//! count and the doctor's rules, with JavaScript's arguments decoded here.

use serde_json::Value;

use super::args::Args;
use crate::connections::{bound_connection_count, Object};
use crate::doctor::{lock_is_stale, mode_problem, EntryKind};
use crate::error::{Error, ErrorCode, Result};

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

fn objects(value: Option<&Value>) -> Result<Vec<Object>> {
    value
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("connections must be an array"))?
        .iter()
        .map(|c| {
            c.as_object()
                .cloned()
                .ok_or_else(|| invalid("a connection must be an object"))
        })
        .collect()
}

fn number(args: &Args, at: usize, what: &str) -> Result<f64> {
    args.number(at)
        .filter(|n| n.is_finite())
        .ok_or_else(|| invalid(what))
}

/// The operator function `args.op()` names; `None` for another name.
pub fn operator_call(args: &Args) -> Option<Result<Value>> {
    Some(match args.op() {
        "modelAvailability" => (|| {
            // The route's view (`admin::model_availability`), of one provider when given.
            let provider = args.text(1);
            let now = number(args, 2, "now must be a number (epoch ms)")?;
            let connections: Vec<Value> = objects(args.get(0))?
                .into_iter()
                .filter(|c| {
                    provider.is_none()
                        || c.get("provider").and_then(Value::as_str) == provider.as_deref()
                })
                .map(Value::Object)
                .collect();
            Ok(crate::admin::model_availability(&connections, now))
        })(),
        "boundConnectionCount" => (|| {
            let connections = objects(args.get(0))?;
            let id = args
                .text(1)
                .ok_or_else(|| invalid("the pool id must be a string"))?;
            Ok(Value::from(bound_connection_count(&connections, &id)))
        })(),
        "lockIsStale" => (|| {
            let mtime = number(args, 0, "the lock's mtime must be a number")?;
            let now = number(args, 1, "now must be a number (epoch ms)")?;
            Ok(Value::Bool(lock_is_stale(mtime, now)))
        })(),
        "fileModeProblem" => (|| {
            let mode = number(args, 0, "the mode must be a number")?;
            let kind = match args.text(1).as_deref() {
                Some("file") => EntryKind::File,
                Some("folder") => EntryKind::Folder,
                _ => return Err(invalid("the kind is \"file\" or \"folder\"")),
            };
            Ok(serde_json::to_value(mode_problem(mode as u32, kind)).expect("serializes"))
        })(),
        // `jsonProblem [text]`: `null` when the core's JSON reader accepts the text (JavaScript's
        // `JSON.parse` rules), else where and why it stops.
        "jsonProblem" => (|| {
            let text = args
                .text(0)
                .ok_or_else(|| invalid("the text must be a string"))?;
            Ok(match crate::json::parse(&text) {
                Ok(_) => Value::Null,
                Err(e) => {
                    serde_json::json!({"line": e.line, "column": e.column, "message": e.message})
                }
            })
        })(),
        _ => return None,
    })
}
