//! wasm-bindgen glue for `pie-storage-core`. Conversion only: every rule lives in the core.
//!
//! Errors become real JavaScript `Error`s with a stable `code` (and `path` for validation).
//! A Rust panic aborts the wasm call; its message is kept for the JS wrapper, which rethrows it
//! as an `Error` with code `PIE_PANIC` (see `takePanicMessage`).

mod chat;
mod connections;
mod details;
mod errors;
mod operation;
mod operator;
mod pricing;
mod proxy;
mod quota;
mod routing;
mod usage;

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

thread_local! {
    /// The host's `Intl.Collator("en-US")`: `localeCompare` order without bundling ICU data.
    static COLLATOR: js_sys::Function = js_sys::Intl::Collator::new(
        &js_sys::Array::of1(&"en-US".into()),
        &js_sys::Object::new(),
    )
    .compare();
}

fn host_locale_compare(a: &str, b: &str) -> std::cmp::Ordering {
    let result = COLLATOR.with(|compare| compare.call2(&JsValue::UNDEFINED, &a.into(), &b.into()));
    let n = result.ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    n.partial_cmp(&0.0).unwrap_or(std::cmp::Ordering::Equal)
}

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(message));
        // The trapped call never puts back what it held.
        pie_storage_core::bindings_support::after_panic();
    }));
    pie_storage_core::bindings_support::set_host_collator(host_locale_compare);
}

/// The message of the panic that aborted the last call, if any (cleared by reading it).
#[wasm_bindgen(js_name = takePanicMessage)]
pub fn take_panic_message() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow_mut().take())
}

/// Test hook: panics with `message`, so the suites can check panics reach JavaScript.
#[wasm_bindgen(js_name = __panicForTest)]
pub fn panic_for_test(message: &str) {
    panic!("{message}");
}
