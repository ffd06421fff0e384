//! Chat state bindings: `chatCall(name, argsJson)` for the pure functions, and the store's
//! steps (`ChatStateCore`): `file(op, args)` names the one file an operation works on (the host
//! opens that file), `operation(op, args)` gives its steps. JSON in, JSON text out.

use std::rc::Rc;

use pie_storage_core::bindings_support::{chat_call, chat_function};
use pie_storage_core::chat::ChatState;
use pie_storage_core::json::to_js_string;
use pie_storage_core::{Error, ErrorCode};
use wasm_bindgen::prelude::*;

use crate::errors::{to_js, JsResult};
use crate::operation::JsOperation;
use crate::pricing::args_of;

/// Calls the pure chat function `name` with `args` (a JSON array); returns JSON text.
#[wasm_bindgen(js_name = chatCall)]
pub fn chat_function_call(name: &str, args: &str) -> JsResult<String> {
    let args = args_of(name, args).map_err(to_js)?;
    chat_function(&args)
        .unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown chat function {name}"),
            ))
        })
        .map(|v| to_js_string(&v))
        .map_err(to_js)
}

/// The chat state of one agent folder as steps for the host.
#[wasm_bindgen(js_name = ChatStateCore)]
pub struct JsChatState {
    state: Rc<ChatState>,
}

#[wasm_bindgen(js_class = ChatStateCore)]
impl JsChatState {
    /// The chat state of `agentDir`.
    pub fn open(agent_dir: String) -> JsChatState {
        JsChatState {
            state: Rc::new(ChatState::new(agent_dir)),
        }
    }

    /// The file store operation `op` with `args` works on (its host's data file).
    pub fn file(&self, op: &str, args: &str) -> JsResult<String> {
        let args = args_of(op, args).map_err(to_js)?;
        let call = chat_call(&args).map_err(to_js)?;
        Ok(self.state.file(&call))
    }

    /// Store operation `op` with `args` (a JSON array) as steps; its value is JSON text.
    pub fn operation(&self, op: &str, args: &str) -> JsResult<JsOperation> {
        let args = args_of(op, args).map_err(to_js)?;
        let call = chat_call(&args).map_err(to_js)?;
        let operation = self
            .state
            .operation(call)
            .map(|v| Ok(JsValue::from(to_js_string(&v))));
        Ok(JsOperation::new(operation))
    }
}
