#!/bin/sh
# Counts the public API of pie-storage-core as rustdoc documents it: one HTML page per public
# item (struct, enum, fn, trait, type, constant, macro, static) plus one per public module.
# Usage: scripts/count-public-items.sh   (honours CARGO_TARGET_DIR)
set -e
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
rm -rf "$target/doc/pie_storage_core"
cargo doc --no-deps -q -p pie-storage-core --features fs 2>/dev/null
dir="$target/doc/pie_storage_core"
# Pages that only redirect (an item of a private module shown at its re-export) are not items.
pages() { find "$dir" -name "$1" -exec grep -L 'http-equiv="refresh"' {} + | sed "s|^$dir/||"; }
pages '*.*.html' | grep -E '(^|/)(struct|enum|fn|trait|type|constant|macro|static|union)\.[^/]*\.html$' | sort > "$target/public-items.txt"
items=$(wc -l < "$target/public-items.txt")
modules=$(pages index.html | wc -l)
echo "items: $items, modules: $modules, total: $((items + modules))"
echo "list: $target/public-items.txt"
