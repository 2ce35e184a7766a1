//! Cross-site request forgery protection for every state-changing request.
//!
//! Browsers label each request with `Sec-Fetch-Site`; where it is missing (older browsers) the
//! `Origin` header must equal our own origin exactly. A request carrying neither header did not
//! come from a browser page, so it cannot ride on a victim's cookies, and is let through (the same
//! rule as Go's `http.CrossOriginProtection`).

use app::ssr::settings::Settings;
use http::header::{HOST, ORIGIN};
use http::{HeaderMap, Method};

pub fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub fn is_same_origin(settings: &Settings, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(ORIGIN).and_then(|value| value.to_str().ok()) else {
        return true;
    };
    match &settings.public_origin {
        Some(expected) => origin == expected,
        None => {
            let Some(host) = headers.get(HOST).and_then(|value| value.to_str().ok()) else {
                return false;
            };
            origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .is_some_and(|origin_host| origin_host == host)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::ssr::settings::AppEnv;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn settings(public_origin: Option<&str>) -> Settings {
        let mut settings = Settings::for_env(AppEnv::Test);
        settings.public_origin = public_origin.map(str::to_owned);
        settings
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        let s = settings(None);
        assert!(is_same_origin(
            &s,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(!is_same_origin(
            &s,
            &headers(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(!is_same_origin(
            &s,
            &headers(&[("sec-fetch-site", "same-site")])
        ));
        // A forged matching Origin does not override a cross-site label.
        assert!(!is_same_origin(
            &s,
            &headers(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://app.test"),
                ("host", "app.test")
            ])
        ));
    }

    #[test]
    fn origin_must_match_exactly_without_fetch_metadata() {
        let s = settings(None);
        assert!(is_same_origin(
            &s,
            &headers(&[
                ("origin", "http://app.test:3000"),
                ("host", "app.test:3000")
            ])
        ));
        assert!(!is_same_origin(
            &s,
            &headers(&[("origin", "http://evil.test"), ("host", "app.test")])
        ));
        assert!(!is_same_origin(
            &s,
            &headers(&[
                ("origin", "http://app.test.evil.test"),
                ("host", "app.test")
            ])
        ));
        assert!(!is_same_origin(
            &s,
            &headers(&[("origin", "null"), ("host", "app.test")])
        ));
        let pinned = settings(Some("https://app.test"));
        assert!(is_same_origin(
            &pinned,
            &headers(&[("origin", "https://app.test")])
        ));
        assert!(!is_same_origin(
            &pinned,
            &headers(&[("origin", "http://app.test")])
        ));
    }

    #[test]
    fn non_browser_requests_without_either_header_pass() {
        assert!(is_same_origin(&settings(None), &HeaderMap::new()));
    }
}
