//! The browser bundle is sent compressed to clients that accept it, from the release build's
//! precompressed copies or from copies made once per file version; pages are not compressed.

use crate::helpers::{http_client, TestApp};
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use reqwest::{Client, Response, StatusCode};

/// Writes a stand-in WASM bundle (compressible, as the real one is) and returns its bytes.
fn write_bundle(app: &TestApp, line: &str) -> Vec<u8> {
    let bytes = line.repeat(4000).into_bytes();
    std::fs::create_dir_all(app.site_pkg_dir()).unwrap();
    std::fs::write(
        app.site_pkg_dir()
            .join(format!("{}.wasm", app::product::SLUG)),
        &bytes,
    )
    .unwrap();
    bytes
}

/// A client that neither asks for nor decodes compression by itself.
fn raw_client() -> Client {
    http_client().no_gzip().no_brotli().build().unwrap()
}

/// GET `url` as an ordinary client, which asks for compression and decodes it.
async fn get_decoded(url: &str) -> Response {
    http_client()
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap()
}

/// GET `url` as a client accepting `encodings`, the answer left encoded.
async fn get_accepting(url: &str, encodings: &str) -> Response {
    raw_client()
        .get(url)
        .header(ACCEPT_ENCODING, encodings)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_wasm_bundle_is_sent_with_the_encoding_the_client_accepts() {
    let app = TestApp::spawn().await;
    let original = write_bundle(&app, "(func $hydrate (call $mount))\n");
    let url = format!("{}/pkg/{}.wasm", app.address, app::product::SLUG);
    for (accepted, expected) in [("br, gzip", "br"), ("gzip", "gzip")] {
        let response = get_accepting(&url, accepted).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/wasm");
        assert_eq!(response.headers()[CONTENT_ENCODING], expected);
        assert_eq!(response.headers()[VARY], "accept-encoding");
        let sent = response.bytes().await.unwrap();
        assert!(
            sent.len() * 20 < original.len(),
            "{expected}: {} bytes",
            sent.len()
        );
    }

    // Decoded, it is the file itself (the default client decodes both encodings).
    let decoded = get_decoded(&url).await;
    assert_eq!(decoded.bytes().await.unwrap(), original);

    let plain = raw_client().get(&url).send().await.unwrap();
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(plain.headers()[VARY], "accept-encoding");
    assert_eq!(plain.bytes().await.unwrap(), original);
}

/// Brotli at `quality` with the server's window.
fn brotli_at(quality: i32, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).unwrap();
    out
}

/// Writes brotli and gzip copies of the stand-in bundle beside it, as `cargo leptos build
/// --release --precompress` does, and returns them. Each differs from what the server's own
/// compression would make of the file (brotli 9; gzip without a file name), so a test can tell
/// which was sent.
fn precompress_bundle(app: &TestApp, original: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let brotli = brotli_at(11, original);
    assert_ne!(
        brotli,
        brotli_at(9, original),
        "the copy must be tell-apart"
    );
    let mut gzip = flate2::GzBuilder::new()
        .filename("release-build")
        .write(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gzip, original).unwrap();
    let gzip = gzip.finish().unwrap();
    let wasm = app
        .site_pkg_dir()
        .join(format!("{}.wasm", app::product::SLUG));
    std::fs::write(wasm.with_extension("wasm.br"), &brotli).unwrap();
    std::fs::write(wasm.with_extension("wasm.gz"), &gzip).unwrap();
    (brotli, gzip)
}

#[tokio::test]
async fn the_release_builds_precompressed_copies_are_sent_as_they_are() {
    let app = TestApp::spawn().await;
    let original = write_bundle(&app, "(func $release (call $mount))\n");
    let (brotli, gzip) = precompress_bundle(&app, &original);
    let url = format!("{}/pkg/{}.wasm", app.address, app::product::SLUG);
    for (accepted, expected, copy) in [("br, gzip", "br", &brotli), ("gzip", "gzip", &gzip)] {
        let response = get_accepting(&url, accepted).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_ENCODING], expected);
        assert_eq!(
            response.bytes().await.unwrap(),
            copy.as_slice(),
            "{expected}"
        );
    }
    assert_eq!(get_decoded(&url).await.bytes().await.unwrap(), original);
}

#[tokio::test]
async fn pages_are_sent_uncompressed_even_when_the_client_accepts_compression() {
    let app = TestApp::spawn().await;
    let response = get_accepting(&format!("{}/login", app.address), "br, gzip").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(CONTENT_ENCODING).is_none());
    assert!(response.text().await.unwrap().contains("<form"));
}

#[tokio::test]
async fn a_rebuilt_bundle_file_is_sent_in_its_new_version() {
    let app = TestApp::spawn().await;
    let url = format!("{}/pkg/{}.wasm", app.address, app::product::SLUG);
    write_bundle(&app, "(func $first)\n");
    let first = get_decoded(&url).await;
    assert_eq!(first.bytes().await.unwrap(), "(func $first)\n".repeat(4000));

    // A different length makes it a different version even within the file system's time
    // resolution.
    let rebuilt = write_bundle(&app, "(func $second_build)\n");
    let second = get_decoded(&url).await;
    assert_eq!(second.bytes().await.unwrap(), rebuilt);
}

#[tokio::test]
async fn files_outside_the_bundle_and_other_kinds_are_not_served_from_the_cache() {
    let app = TestApp::spawn().await;
    let bundle = write_bundle(&app, "(func $hydrate)\n");
    let slug = app::product::SLUG;
    // A file outside the site root, where each escape below would land: the test fails if any
    // answer carries it.
    let secret = "the content of a file outside the site root";
    let outside = app.site_pkg_dir().join("../../outside.txt");
    std::fs::write(&outside, secret).unwrap();
    let absolute = outside.canonicalize().unwrap();
    assert_eq!(
        app.site_pkg_dir()
            .join("..")
            .join("..")
            .join("outside.txt")
            .canonicalize()
            .unwrap(),
        absolute,
        "the escapes aim at a file that exists"
    );
    for path in [
        format!("/pkg/..%2Fpkg%2F{slug}.wasm"),
        "/pkg/..%2F..%2Foutside.txt".to_owned(),
        "/pkg/..%5C..%5Coutside.txt".to_owned(),
        "/pkg/%2E%2E%2F%2E%2E%2Foutside.txt".to_owned(),
        format!("/pkg/{}", absolute.display()),
        format!(
            "/pkg/%2F{}",
            absolute.display().to_string().trim_start_matches('/')
        ),
        "/pkg/missing.wasm".to_owned(),
        format!("/pkg/{slug}.map"),
    ] {
        let response = get_accepting(&format!("{}{path}", app.address), "br, gzip").await;
        let status = response.status();
        assert!(response.headers().get(CONTENT_ENCODING).is_none(), "{path}");
        assert!(status.is_client_error(), "{path}: {status}");
        let body = response.bytes().await.unwrap();
        assert_ne!(body.as_ref(), bundle.as_slice(), "{path} served the bundle");
        assert!(
            !String::from_utf8_lossy(&body).contains(secret),
            "{path} served a file outside the site root"
        );
    }
}

/// What each kind of answer tells browsers to keep (this app's bundle names are not hashed; the
/// hashed case, kept for a year, is a unit test of the caching layer).
#[tokio::test]
async fn pages_and_functions_are_never_stored_and_a_plain_bundle_is_revalidated() {
    let app = TestApp::spawn().await;
    write_bundle(&app, "(func $hydrate (call $mount))\n");
    let client = raw_client();
    let cache_control = |response: &Response| {
        response.headers()[reqwest::header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let wasm = format!("{}/pkg/{}.wasm", app.address, app::product::SLUG);
    let bundle = client.get(&wasm).send().await.unwrap();
    assert_eq!(bundle.status(), StatusCode::OK);
    assert_eq!(cache_control(&bundle), "no-cache");
    for page in ["/", "/login", "/no-such-page"] {
        let response = client
            .get(format!("{}{page}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(cache_control(&response), "no-store", "{page}");
    }
    let viewer = client
        .post(format!("{}/api/viewer", app.address))
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(viewer.status(), StatusCode::OK);
    assert_eq!(cache_control(&viewer), "no-store");
}
