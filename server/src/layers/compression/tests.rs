//! Tests of the bundle compression layer.

use super::*;

fn accepts(value: &str) -> Option<Encoding> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
    Encoding::accepted(&headers)
}

#[test]
fn brotli_is_preferred_then_gzip_and_q0_refuses() {
    assert_eq!(accepts("gzip, deflate, br, zstd"), Some(Encoding::Brotli));
    assert_eq!(accepts("gzip"), Some(Encoding::Gzip));
    assert_eq!(accepts("br;q=0, gzip;q=0.5"), Some(Encoding::Gzip));
    assert_eq!(accepts("identity"), None);
    assert_eq!(accepts("br;q=0,gzip;q=0"), None);
}

#[test]
fn only_plain_bundle_file_names_are_served_from_the_cache() {
    assert!(plain_file_name("site.wasm"));
    for name in [
        "",
        "..",
        ".hidden",
        "../secret.js",
        "a/b.js",
        "a%2fb.js",
        "x\\y.css",
    ] {
        assert!(!plain_file_name(name), "{name}");
    }
    assert_eq!(bundle_content_type("app.wasm"), Some("application/wasm"));
    assert_eq!(bundle_content_type("app.map"), None);
}

#[tokio::test]
async fn files_present_at_start_are_compressed_before_anyone_asks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.wasm"), vec![7u8; 64 * 1024]).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not part of the bundle").unwrap();
    let bundle = Bundle {
        prefix: "/pkg/".into(),
        dir: dir.path().to_path_buf(),
        copies: Arc::default(),
    };
    bundle.prepare_in_background();

    let expected = vec![
        ("app.wasm".to_owned(), Encoding::Brotli),
        ("app.wasm".to_owned(), Encoding::Gzip),
    ];
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while bundle.ready_copies() != expected {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            bundle.ready_copies()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
