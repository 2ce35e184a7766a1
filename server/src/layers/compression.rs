//! The browser bundle (WASM, JavaScript, CSS under `/pkg/`) sent compressed to clients that
//! accept it, from copies kept in memory, one per file version and encoding.
//!
//! The release build compresses the bundle itself (`cargo leptos build --release --precompress`
//! writes `<file>.br`, brotli at its highest level, and `<file>.gz` beside each file): those
//! copies are the ones kept. Serving them from memory rather than from disk measured about six
//! times the throughput (7,000 against 1,100 brotli WASM answers a second, same machine, side by
//! side); see `docs/benchmarks.md`.
//!
//! The WASM is most of a first load (about 830 KB raw, a third of that with brotli). Compressing
//! it per request costs tens of milliseconds of CPU each time (measured: about 30 brotli or gzip
//! answers a second on one core), which would slow every first load and hand anyone a cheap way
//! to occupy the server. So a file without the build's copy (a debug build) is compressed here,
//! once per encoding: the files present at start-up in the background right away, any other
//! when first asked for; a file that changes on disk (a rebuild in development) is read or
//! compressed again.
//! Anything else, and clients that accept neither encoding, go on to the plain file service.
//! Pages are never compressed here: they are small, and an encoder would buffer streamed chunks.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method};
use leptos::prelude::LeptosOptions;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;
use tokio::sync::OnceCell;

/// Brotli quality 9 and gzip's best level: close to the best ratios, a fraction of a second of
/// CPU once per file version.
const BROTLI_QUALITY: i32 = 9;
const BROTLI_WINDOW_BITS: i32 = 22;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    /// The preferred encoding `Accept-Encoding` allows: brotli, then gzip.
    fn accepted(headers: &HeaderMap) -> Option<Encoding> {
        let accepted: Vec<&str> = headers
            .get_all(ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter(|entry| !refused(entry))
            .map(|entry| entry.split(';').next().unwrap_or("").trim())
            .collect();
        if accepted.contains(&"br") {
            Some(Encoding::Brotli)
        } else if accepted.contains(&"gzip") {
            Some(Encoding::Gzip)
        } else {
            None
        }
    }

    /// The suffix of the build's precompressed copy of a file in this encoding.
    fn file_suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gz",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }

    fn compress(self, data: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Encoding::Brotli => {
                let mut out = Vec::with_capacity(data.len() / 3);
                let params = brotli::enc::BrotliEncoderParams {
                    quality: BROTLI_QUALITY,
                    lgwin: BROTLI_WINDOW_BITS,
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut &data[..], &mut out, &params)?;
                Ok(out)
            }
            Encoding::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(data.len() / 3),
                    flate2::Compression::best(),
                );
                encoder.write_all(data)?;
                encoder.finish()
            }
        }
    }
}

/// An `Accept-Encoding` entry with `q=0`, which means "not this one".
fn refused(entry: &str) -> bool {
    entry.split(';').skip(1).any(|param| {
        param
            .trim()
            .strip_prefix("q=")
            .and_then(|q| q.trim().parse::<f32>().ok())
            == Some(0.0)
    })
}

/// Which version of a file a compressed copy was made from.
#[derive(Clone, Copy, PartialEq, Eq)]
struct FileVersion {
    modified: SystemTime,
    len: u64,
}

/// A compressed copy, made at most once (`None` inside: the file could not be compressed).
type CompressedCopy = Arc<OnceCell<Option<Bytes>>>;

/// The copies by file and encoding, each with the file version it was made from.
type Copies = HashMap<(PathBuf, Encoding), (FileVersion, CompressedCopy)>;

/// Where the bundle is, and its compressed copies by file and encoding. Each copy is a cell
/// filled once, so concurrent first requests wait for one compression instead of each doing it.
#[derive(Clone)]
pub struct Bundle {
    /// The URL path prefix, `/pkg/`.
    prefix: Arc<str>,
    dir: PathBuf,
    copies: Arc<Mutex<Copies>>,
}

impl Bundle {
    pub fn new(options: &LeptosOptions) -> Self {
        Self {
            prefix: format!("/{}/", options.site_pkg_dir).into(),
            dir: PathBuf::from(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref()),
            copies: Arc::default(),
        }
    }

    /// Compresses every bundle file now, in the background, so that the first visitors after a
    /// start do not wait for it (brotli takes a fraction of a second on the release WASM).
    /// Outside a Tokio runtime it does nothing: the copies are then made on first request.
    pub fn prepare_in_background(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let bundle = self.clone();
        runtime.spawn(async move {
            let Ok(mut entries) = tokio::fs::read_dir(&bundle.dir).await else {
                return; // no bundle built: nothing to prepare
            };
            while let Ok(Some(entry)) = entries.next_entry().await {
                let name = entry.file_name();
                if name.to_str().and_then(bundle_file_type).is_some() {
                    for encoding in [Encoding::Brotli, Encoding::Gzip] {
                        bundle.compressed(entry.path(), encoding).await;
                    }
                }
            }
        });
    }

    /// Which compressed copies are ready, by file name and encoding (for tests).
    #[cfg(test)]
    fn ready_copies(&self) -> Vec<(String, Encoding)> {
        let copies = self.copies.lock().unwrap_or_else(PoisonError::into_inner);
        let mut ready: Vec<_> = copies
            .iter()
            .filter(|(_, (_, copy))| copy.get().is_some_and(Option::is_some))
            .map(|((path, encoding), _)| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, *encoding)
            })
            .collect();
        ready.sort_by_key(|(name, encoding)| (name.clone(), encoding.name()));
        ready
    }

    fn copy(&self, path: &Path, encoding: Encoding, version: FileVersion) -> CompressedCopy {
        let mut copies = self.copies.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = copies
            .entry((path.to_path_buf(), encoding))
            .or_insert_with(|| (version, CompressedCopy::default()));
        if entry.0 != version {
            *entry = (version, CompressedCopy::default());
        }
        entry.1.clone()
    }

    /// The compressed file, or `None` if it cannot be read or compressed (the plain file
    /// service then answers as it would anyway).
    async fn compressed(&self, path: PathBuf, encoding: Encoding) -> Option<Bytes> {
        let metadata = tokio::fs::metadata(&path).await.ok()?;
        if !metadata.is_file() {
            return None;
        }
        let version = FileVersion {
            modified: metadata.modified().ok()?,
            len: metadata.len(),
        };
        let copy = self.copy(&path, encoding, version);
        copy.get_or_init(|| async move {
            if let Some(built) = build_copy(&path, encoding, version.modified).await {
                return Some(built);
            }
            let data = tokio::fs::read(&path).await.ok()?;
            let compressed =
                tokio::task::spawn_blocking(move || encoding.compress(&data).ok()).await;
            compressed.ok().flatten().map(Bytes::from)
        })
        .await
        .clone()
    }
}

/// The copy of `path` the release build compressed in `encoding`, if there is one written no
/// earlier than the file itself (an older one belongs to an earlier build).
async fn build_copy(path: &Path, encoding: Encoding, file_modified: SystemTime) -> Option<Bytes> {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(encoding.file_suffix());
    let copy = PathBuf::from(name);
    let copy_modified = tokio::fs::metadata(&copy).await.ok()?.modified().ok()?;
    if copy_modified < file_modified {
        return None;
    }
    tokio::fs::read(&copy).await.ok().map(Bytes::from)
}

/// The content type of a bundle file, by extension; `None` for anything else.
fn bundle_content_type(file: &str) -> Option<&'static str> {
    match file.rsplit_once('.')?.1 {
        "wasm" => Some("application/wasm"),
        "js" => Some("text/javascript"),
        "css" => Some("text/css"),
        _ => None,
    }
}

/// The content type of `name` if it names a bundle file: a plain name with a bundle extension.
fn bundle_file_type(name: &str) -> Option<&'static str> {
    plain_file_name(name)
        .then(|| bundle_content_type(name))
        .flatten()
}

/// A plain file name, nothing that could leave the bundle directory.
fn plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

pub async fn bundle_compression(
    State(bundle): State<Bundle>,
    request: Request,
    next: Next,
) -> Response {
    let candidate = (request.method() == Method::GET)
        .then(|| request.uri().path().strip_prefix(bundle.prefix.as_ref()))
        .flatten()
        .and_then(|file| Some((file, bundle_file_type(file)?)))
        .and_then(|(file, content_type)| {
            Some((file, content_type, Encoding::accepted(request.headers())?))
        });
    let Some((file, content_type, encoding)) = candidate else {
        return next.run(request).await;
    };
    match bundle.compressed(bundle.dir.join(file), encoding).await {
        Some(body) => compressed_response(body, content_type, encoding),
        None => next.run(request).await,
    }
}

fn compressed_response(body: Bytes, content_type: &'static str, encoding: Encoding) -> Response {
    let length = body.len();
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding.name()));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    // `Vary: accept-encoding` is added to every bundle answer by the caching layer.
    response
}

#[cfg(test)]
mod tests;
