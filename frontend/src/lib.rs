//! The browser entry point: wakes up the islands of the server-rendered page and nothing else.

// Linked for its `#[island]` components, which the page's loader script calls by name; nothing
// here names them.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
