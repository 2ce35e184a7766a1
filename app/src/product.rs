//! The product's name: the one place a fork changes it (`scripts/rename.sh` does it everywhere
//! else too: the workspace manifest, scripts and docs).

/// The name people read: page titles and the header.
pub const NAME: &str = "Leptos Hybrid Auth";

/// The name in machine form: the browser bundle's file names (`/pkg/<SLUG>.wasm`, `.js`, `.css`)
/// and the access token's issuer and audience. Equals `output-name` in the workspace
/// `Cargo.toml`, which cargo-leptos names the bundle by (a test checks the two agree).
pub const SLUG: &str = "leptos-hybrid-auth";

#[cfg(test)]
mod tests {
    #[test]
    fn the_slug_is_the_bundle_name_cargo_leptos_builds() {
        let manifest = include_str!("../../Cargo.toml");
        let output_name = format!("output-name = \"{}\"", super::SLUG);
        assert!(
            manifest.lines().any(|line| line.trim() == output_name),
            "Cargo.toml's output-name must be {:?}",
            super::SLUG
        );
    }
}
