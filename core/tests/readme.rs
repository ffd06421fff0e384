//! The README's Rust example is the crate-level doctest of `lib.rs`: this keeps the two the same
//! text, so the example in the README is one that compiles and runs.

use std::path::Path;

fn rust_block_after(text: &str, heading: &str) -> Vec<String> {
    let from = text.find(heading).expect("heading present");
    let body = &text[from..];
    let start = body.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let end = start + body[start..].find("```").expect("block end");
    body[start..end].lines().map(str::to_owned).collect()
}

/// The doctest as rendered: the `//!` block with hidden (`# `) lines removed.
fn visible_doctest(lib: &str) -> Vec<String> {
    let docs: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let start = docs
        .iter()
        .position(|l| *l == "```")
        .expect("doctest start")
        + 1;
    let len = docs[start..]
        .iter()
        .position(|l| *l == "```")
        .expect("doctest end");
    docs[start..start + len]
        .iter()
        .filter(|l| {
            let t = l.trim_start();
            !(t == "#" || t.starts_with("# "))
        })
        .map(|l| (*l).to_owned())
        .collect()
}

#[test]
fn readme_rust_example_is_the_lib_doctest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).expect("README");
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("lib.rs");
    assert_eq!(
        rust_block_after(&readme, "## Rust embedding"),
        visible_doctest(&lib)
    );
}
