//! wasm-bindgen glue for `pie-storage-core`. Conversion only: every rule lives in the core.
//!
//! Errors become real JavaScript `Error`s with a stable `code` (and `path` for validation).
//! A Rust panic aborts the wasm call; its message is kept for the JS wrapper, which rethrows it
//! as an `Error` with code `PIE_PANIC` (see `takePanicMessage`).

mod errors;
mod js_storage;
mod usage;

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(message));
    }));
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
