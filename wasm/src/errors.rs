//! Core errors as JavaScript `Error` objects with `code` (and `path` when known).

use pie_storage_core::Error;
use wasm_bindgen::JsValue;

pub fn to_js(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.message);
    let _ = js_sys::Reflect::set(&js, &"code".into(), &error.code.as_str().into());
    if let Some(path) = &error.path {
        let _ = js_sys::Reflect::set(&js, &"path".into(), &path.as_str().into());
    }
    js.into()
}

pub fn coded(code: &str, message: &str) -> JsValue {
    let js = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(&js, &"code".into(), &code.into());
    js.into()
}

pub type JsResult<T> = Result<T, JsValue>;
