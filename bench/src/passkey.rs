//! `passkey-sign-in`: what a passkey sign-in costs the server against a password sign-in. One
//! account gets a passkey (a software authenticator, as the HTTP tests use), then signs in over
//! and over, alternating: the password (one request, which hashes it), and the passkey (the
//! options, then the signed answer; the signing on the client is not timed). Sequential, one
//! connection: each figure is a sign-in's time as one user waits for it.

use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Client, Response};
use serde_json::{json, Value};
use webauthn_authenticator_rs::prelude::{
    CreationChallengeResponse, RequestChallengeResponse, Url, WebauthnAuthenticator,
};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::chain::Account;

/// The server-side time of each sign-in, by kind.
pub struct Timings {
    pub password: Vec<Duration>,
    pub passkey: Vec<Duration>,
}

impl Timings {
    pub fn to_json(&self) -> Value {
        let seconds =
            |times: &[Duration]| times.iter().map(Duration::as_secs_f64).collect::<Vec<_>>();
        json!({ "password": seconds(&self.password), "passkey": seconds(&self.passkey) })
    }
}

struct Device {
    authenticator: SoftPasskey,
    credential_id: String,
    user_handle: String,
}

/// `count` sign-ins of each kind for `account`, whose pages are served at `origin`.
pub async fn compare(
    client: &Client,
    account: &Account,
    origin: &str,
    count: usize,
) -> Result<Timings, String> {
    let origin = Url::parse(origin).map_err(|error| format!("--origin: {error}"))?;
    let mut device = enrol(client, account, &origin).await?;
    let mut timings = Timings {
        password: Vec::new(),
        passkey: Vec::new(),
    };
    for _ in 0..count {
        let started = Instant::now();
        expect_ok(
            account.sign_in(client).await.map_err(|e| e.to_string())?,
            "password sign-in",
        )
        .await?;
        timings.password.push(started.elapsed());
        timings
            .passkey
            .push(sign_in_with_passkey(client, account, &origin, &mut device).await?);
    }
    Ok(timings)
}

/// Signs in with the password and adds a passkey to the account.
async fn enrol(client: &Client, account: &Account, origin: &Url) -> Result<Device, String> {
    let signed_in = account.sign_in(client).await.map_err(|e| e.to_string())?;
    let cookies: Vec<String> = signed_in
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    let cookies = cookies.join("; ");
    let started = post(
        client,
        account,
        "passkey_registration_options",
        &[],
        Some(&cookies),
    )
    .await?;
    let (ceremony, options) = ceremony(started).await?;
    let mut authenticator = SoftPasskey::new(true);
    let creation: CreationChallengeResponse =
        serde_json::from_value(options.clone()).map_err(|e| e.to_string())?;
    let credential = authenticator
        .do_registration(origin.clone(), creation)
        .map_err(|error| format!("the software passkey refused to register: {error:?}"))?;
    let credential = serde_json::to_value(&credential).map_err(|e| e.to_string())?;
    let fields = [
        ("ceremony", ceremony.as_str()),
        ("credential", &credential.to_string()),
    ];
    expect_ok(
        post(client, account, "register_passkey", &fields, Some(&cookies)).await?,
        "register_passkey",
    )
    .await?;
    Ok(Device {
        authenticator,
        credential_id: credential["id"].as_str().unwrap_or_default().to_owned(),
        user_handle: options["publicKey"]["user"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    })
}

/// One passkey sign-in with no address typed; the time of its two requests.
async fn sign_in_with_passkey(
    client: &Client,
    account: &Account,
    origin: &Url,
    device: &mut Device,
) -> Result<Duration, String> {
    let started = Instant::now();
    let (ceremony, mut options) =
        ceremony(post(client, account, "passkey_sign_in_options", &[], None).await?).await?;
    let asked = started.elapsed();
    // As a phone's passkey would: it finds its credential unasked and names the account.
    options["publicKey"]["allowCredentials"] =
        json!([{ "type": "public-key", "id": device.credential_id }]);
    let request: RequestChallengeResponse =
        serde_json::from_value(options).map_err(|e| e.to_string())?;
    let assertion = device
        .authenticator
        .do_authentication(origin.clone(), request)
        .map_err(|error| format!("the software passkey refused to sign: {error:?}"))?;
    let mut assertion = serde_json::to_value(&assertion).map_err(|e| e.to_string())?;
    assertion["response"]["userHandle"] = json!(device.user_handle);
    let fields = [
        ("ceremony", ceremony.as_str()),
        ("credential", &assertion.to_string()),
    ];
    let finishing = Instant::now();
    expect_ok(
        post(client, account, "sign_in_with_passkey", &fields, None).await?,
        "sign_in_with_passkey",
    )
    .await?;
    Ok(asked + finishing.elapsed())
}

async fn post(
    client: &Client,
    account: &Account,
    function: &str,
    fields: &[(&str, &str)],
    cookies: Option<&str>,
) -> Result<Response, String> {
    let mut request = client
        .post(format!("{}/api/{function}", account.base))
        .header("Sec-Fetch-Site", "same-origin")
        .form(fields);
    if let Some(cookies) = cookies {
        request = request.header(COOKIE, cookies);
    }
    request
        .send()
        .await
        .map_err(|error| format!("{function}: {error}"))
}

/// The ceremony id and the options (`{publicKey: …}`) an options function answered.
async fn ceremony(response: Response) -> Result<(String, Value), String> {
    let body: Value = expect_ok(response, "passkey options").await?;
    let options = serde_json::from_str(body["options"].as_str().unwrap_or_default())
        .map_err(|error| format!("passkey options: {error}"))?;
    Ok((
        body["ceremony"].as_str().unwrap_or_default().to_owned(),
        options,
    ))
}

/// The JSON body of a 2xx answer; anything else is an error naming `what`.
async fn expect_ok(response: Response, what: &str) -> Result<Value, String> {
    let status = response.status();
    let body = response.text().await.map_err(|error| error.to_string())?;
    if !status.is_success() {
        return Err(format!("{what} answered {status}: {body}"));
    }
    Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
}
