//! One login whose refresh token is followed from answer to answer.

use std::time::Duration;

use reqwest::header::{HeaderMap, COOKIE, RETRY_AFTER, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};

/// Where and as whom the chains sign in.
pub struct Account {
    pub base: String,
    pub email: String,
    pub password: String,
}

impl Account {
    /// One sign-in attempt, as the app's login form sends it.
    pub async fn sign_in(&self, client: &Client) -> reqwest::Result<reqwest::Response> {
        client
            .post(format!("{}/api/login", self.base))
            .header("Sec-Fetch-Site", "same-origin")
            .form(&[("email", &self.email), ("password", &self.password)])
            .send()
            .await
    }
}

/// A login's current refresh cookie, as `name=value`.
pub struct Chain {
    refresh_cookie: String,
}

/// What one refresh answered.
pub struct Answer {
    pub status: StatusCode,
    /// Whether the answer set a new refresh token; without one the chain must sign in again.
    pub rotated: bool,
    /// For a refusal under load (429, 503): how long to wait before trying again.
    pub retry_after: Option<Duration>,
}

/// How long a refused client waits when the answer names no `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

impl Answer {
    pub fn of(response: &Response, rotated: bool) -> Self {
        let status = response.status();
        let refused = matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        );
        let retry_after = refused.then(|| {
            response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok()?.parse().ok())
                .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs)
        });
        Self {
            status,
            rotated,
            retry_after,
        }
    }
}

impl Chain {
    pub async fn sign_in(client: &Client, account: &Account) -> Result<Self, String> {
        let response = account
            .sign_in(client)
            .await
            .map_err(|error| format!("sign-in failed: {error}"))?;
        let status = response.status();
        match refresh_cookie(response.headers()) {
            Some(refresh_cookie) => Ok(Self { refresh_cookie }),
            None => Err(format!("sign-in answered {status} without a refresh token")),
        }
    }

    /// Spends the current refresh token and keeps the one the answer sets.
    pub async fn refresh(&mut self, client: &Client, account: &Account) -> Result<Answer, String> {
        let response = client
            .post(format!("{}/api/refresh", account.base))
            .header("Sec-Fetch-Site", "same-origin")
            .header(COOKIE, &self.refresh_cookie)
            .form(&[("", ""); 0])
            .send()
            .await
            .map_err(|error| error.to_string())?;
        let next = refresh_cookie(response.headers());
        let answer = Answer::of(&response, response.status().is_success() && next.is_some());
        // Read the body so the connection goes back to the pool.
        response.bytes().await.map_err(|error| error.to_string())?;
        if let Some(next) = next {
            self.refresh_cookie = next;
        }
        Ok(answer)
    }
}

/// The non-empty refresh cookie an answer sets (whatever its prefix), as `name=value`.
fn refresh_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .find(|pair| {
            pair.split_once('=')
                .is_some_and(|(name, value)| name.ends_with("refresh_token") && !value.is_empty())
        })
        .map(str::to_owned)
}
