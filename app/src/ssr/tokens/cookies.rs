//! The two auth cookies: the access token and the refresh token.
//!
//! Both are httpOnly, `SameSite=Lax`, `Path=/` and carry no `Domain`. Outside `dev` they are
//! also `Secure` and use the `__Host-` prefix, which the browser only accepts under exactly
//! those attributes, so a sibling subdomain cannot plant or overwrite them.

use cookie::{time::Duration, Cookie, SameSite};
use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};

#[derive(Clone, Copy, Debug)]
pub struct AuthCookies {
    secure: bool,
}

impl AuthCookies {
    pub fn new(secure: bool) -> Self {
        Self { secure }
    }

    pub fn access_name(&self) -> &'static str {
        if self.secure {
            "__Host-access_token"
        } else {
            "access_token"
        }
    }

    pub fn refresh_name(&self) -> &'static str {
        if self.secure {
            "__Host-refresh_token"
        } else {
            "refresh_token"
        }
    }

    /// The known-device cookie (see `known_device`): outlives every login, so signing out
    /// leaves the browser known.
    pub fn known_device_name(&self) -> &'static str {
        if self.secure {
            "__Host-known_device"
        } else {
            "known_device"
        }
    }

    /// The cookie carrying a sign-in that waits for its second step (`two_step::pending`).
    pub fn pending_name(&self) -> &'static str {
        if self.secure {
            "__Host-mfa_pending"
        } else {
            "mfa_pending"
        }
    }

    pub fn read_pending(&self, headers: &HeaderMap) -> Option<String> {
        read(headers, self.pending_name())
    }

    pub fn set_pending(&self, token: &str, max_age_secs: u64) -> HeaderValue {
        self.build(self.pending_name(), token, max_age_secs)
    }

    pub fn clear_pending(&self) -> HeaderValue {
        self.build(self.pending_name(), "", 0)
    }

    pub fn read_known_device(&self, headers: &HeaderMap) -> Option<String> {
        read(headers, self.known_device_name())
    }

    pub fn set_known_device(&self, value: &str, max_age_secs: u64) -> HeaderValue {
        self.build(self.known_device_name(), value, max_age_secs)
    }

    /// Whether response `headers` already set (or cleared) the refresh cookie: the handler
    /// decided the login's cookies itself, so none decided before it may follow and override.
    pub fn sets_refresh(&self, headers: &HeaderMap) -> bool {
        let prefix = format!("{}=", self.refresh_name());
        headers
            .get_all(http::header::SET_COOKIE)
            .iter()
            .any(|value| value.as_bytes().starts_with(prefix.as_bytes()))
    }

    pub fn read_access(&self, headers: &HeaderMap) -> Option<String> {
        read(headers, self.access_name())
    }

    pub fn read_refresh(&self, headers: &HeaderMap) -> Option<String> {
        read(headers, self.refresh_name())
    }

    pub fn set_access(&self, token: &str, max_age_secs: u64) -> HeaderValue {
        self.build(self.access_name(), token, max_age_secs)
    }

    pub fn set_refresh(&self, token: &str, max_age_secs: u64) -> HeaderValue {
        self.build(self.refresh_name(), token, max_age_secs)
    }

    /// `Set-Cookie` values that delete both cookies.
    pub fn clear_both(&self) -> [HeaderValue; 2] {
        [
            self.build(self.access_name(), "", 0),
            self.build(self.refresh_name(), "", 0),
        ]
    }

    fn build(&self, name: &'static str, value: &str, max_age_secs: u64) -> HeaderValue {
        let cookie = Cookie::build((name, value.to_owned()))
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(Duration::seconds(max_age_secs.min(i64::MAX as u64) as i64))
            .build();
        // Cannot fail: the names are our constants, the values are our own base64url tokens and
        // JWTs (and `encoded()` percent-encodes anything else), the attributes are fixed ASCII.
        HeaderValue::from_str(&cookie.encoded().to_string())
            .expect("cookie names and our token alphabets are valid header characters")
    }
}

/// The first cookie called `name` in the request, if any.
fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_cookies_are_host_prefixed_secure_http_only_and_lax() {
        let cookies = AuthCookies::new(true);
        let value = cookies.set_access("abc", 900);
        let text = value.to_str().unwrap();
        assert!(text.starts_with("__Host-access_token=abc"), "{text}");
        for attribute in [
            "HttpOnly",
            "Secure",
            "SameSite=Lax",
            "Path=/",
            "Max-Age=900",
        ] {
            assert!(text.contains(attribute), "{attribute} missing from {text}");
        }
        assert!(!text.contains("Domain"), "{text}");
    }

    #[test]
    fn cookies_are_read_from_any_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("theme=dark"));
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; access_token=tok; b=2"),
        );
        assert_eq!(
            AuthCookies::new(false).read_access(&headers).as_deref(),
            Some("tok")
        );
        assert_eq!(AuthCookies::new(false).read_refresh(&headers), None);
    }
}
