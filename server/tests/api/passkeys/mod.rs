//! Passkeys over HTTP, on every backend set, with a software authenticator
//! (`webauthn-authenticator-rs`' soft passkey) driven through the real server functions: adding
//! one, signing in with it (no address typed, address first, or as a second step), and each
//! refusal. The soft passkey knows no resident keys, so for a sign-in with no address typed the
//! test hands it the credential id and puts the user handle into its answer, as a phone's
//! passkey would: the handle is not signed, so that changes nothing the server checks.

mod manage;
mod refusals;
mod sign_in;
mod step_up;

use crate::helpers::*;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use http::StatusCode;
use serde_json::{json, Value};
use webauthn_authenticator_rs::prelude::{
    CreationChallengeResponse, RequestChallengeResponse, Url, WebauthnAuthenticator,
};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

/// The origin the software authenticator says it runs on (passkeys are made for `localhost`).
pub fn origin() -> Url {
    Url::parse("http://localhost:3000").unwrap()
}

/// A device with a passkey for one account: the authenticator, its credential id and the
/// account's user handle.
pub struct Device {
    pub authenticator: SoftPasskey,
    pub credential_id: String,
    pub user_handle: String,
}

/// The ceremony id and options a `/api/…options` function answered.
pub async fn ceremony(response: reqwest::Response) -> (String, Value) {
    assert_eq!(response.status(), StatusCode::OK, "options");
    let body = json(response).await;
    let options = serde_json::from_str(body["options"].as_str().unwrap()).unwrap();
    (body["ceremony"].as_str().unwrap().to_owned(), options)
}

/// The credential `authenticator` makes for the registration `options`, as the browser's
/// `toJSON()` would post it.
pub fn create(authenticator: &mut SoftPasskey, options: &Value) -> String {
    let options: CreationChallengeResponse = serde_json::from_value(options.clone()).unwrap();
    let credential = authenticator.do_registration(origin(), options).unwrap();
    serde_json::to_string(&credential).unwrap()
}

/// The assertion `authenticator` signs for the sign-in `options`, offering `credential_id`
/// when the options name none, with `user_handle` in it when given.
pub fn sign(
    authenticator: &mut SoftPasskey,
    options: &Value,
    credential_id: &str,
    user_handle: Option<&str>,
) -> String {
    let mut options = options.clone();
    if options["publicKey"]["allowCredentials"]
        .as_array()
        .is_none_or(Vec::is_empty)
    {
        options["publicKey"]["allowCredentials"] =
            json!([{ "type": "public-key", "id": credential_id }]);
    }
    let options: RequestChallengeResponse = serde_json::from_value(options).unwrap();
    let assertion = authenticator.do_authentication(origin(), options).unwrap();
    let mut assertion = serde_json::to_value(&assertion).unwrap();
    if let Some(handle) = user_handle {
        assertion["response"]["userHandle"] = json!(handle);
    }
    assertion.to_string()
}

/// Adds a passkey named `name` to `browser`'s account (signed in moments ago).
pub async fn add_passkey(browser: &Browser, name: &str) -> Device {
    let (ceremony, options) = ceremony(
        browser
            .post_form("/api/passkey_registration_options", &[])
            .await,
    )
    .await;
    let selection = &options["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "preferred");
    assert_eq!(selection["userVerification"], "required");
    let mut authenticator = SoftPasskey::new(true);
    let credential = create(&mut authenticator, &options);
    let added = browser
        .post_form(
            "/api/register_passkey",
            &[
                ("ceremony", &ceremony),
                ("credential", &credential),
                ("name", name),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK, "register_passkey");
    let added = json(added).await;
    assert_eq!(added["name"], name);
    let credential: Value = serde_json::from_str(&credential).unwrap();
    Device {
        authenticator,
        credential_id: credential["id"].as_str().unwrap().to_owned(),
        user_handle: options["publicKey"]["user"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

/// Signs `browser` in with `device`'s passkey, no address typed.
pub async fn sign_in_discoverably(browser: &Browser, device: &mut Device) -> reqwest::Response {
    let (ceremony, options) =
        ceremony(browser.post_form("/api/passkey_sign_in_options", &[]).await).await;
    let assertion = sign(
        &mut device.authenticator,
        &options,
        &device.credential_id,
        Some(&device.user_handle),
    );
    finish_sign_in(browser, &ceremony, &assertion).await
}

pub async fn finish_sign_in(
    browser: &Browser,
    ceremony: &str,
    assertion: &str,
) -> reqwest::Response {
    browser
        .post_form(
            "/api/sign_in_with_passkey",
            &[("ceremony", ceremony), ("credential", assertion)],
        )
        .await
}

/// The credential ids `/api/passkey_sign_in_options_for` offers for `email`.
pub async fn offered_for(browser: &Browser, email: &str) -> (String, Value, Vec<String>) {
    let response = browser
        .post_form("/api/passkey_sign_in_options_for", &[("email", email)])
        .await;
    let (ceremony, options) = ceremony(response).await;
    let ids = options["publicKey"]["allowCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|credential| credential["id"].as_str().unwrap().to_owned())
        .collect();
    (ceremony, options, ids)
}

/// The decoded length of a URL-safe base64 credential id.
pub fn id_length(id: &str) -> usize {
    URL_SAFE_NO_PAD.decode(id).unwrap().len()
}
