//! The passkey settings: whether passkeys are offered (`PASSKEYS`), the relying party they are
//! made for (`WEBAUTHN_RP_ID`, `WEBAUTHN_RP_NAME`) and the origins that may use them
//! (`PUBLIC_ORIGIN`, then `WEBAUTHN_EXTRA_ORIGINS`). A passkey is bound to its RP id for good,
//! so a wrong one is refused at start-up rather than discovered by users.

use super::auth::parse_origin;
use super::vars::Vars;
use super::ConfigError;
use app::ssr::settings::AppEnv;
use app::ssr::settings::RelyingParty;
use url::Url;

/// The relying party, or `None` with `PASSKEYS=off`. `prod`: the RP id defaults to the host of
/// `PUBLIC_ORIGIN` and must be it or a suffix of it, never an IP address. `dev` and `test`:
/// `localhost` on any port, where browsers allow passkeys without TLS.
pub(super) fn relying_party(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
    app_env: AppEnv,
    public_origin: Option<&str>,
) -> Result<Option<RelyingParty>, ConfigError> {
    let on = vars.parsed("PASSKEYS", "on or off", |value| match value {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    })?;
    if on == Some(false) {
        return Ok(None);
    }
    let public_origin = public_origin.and_then(|origin| Url::parse(origin).ok());
    let local = app_env != AppEnv::Prod;
    let default_id = match (&public_origin, local) {
        (_, true) => Some("localhost".to_owned()),
        (Some(origin), false) => origin.host_str().map(str::to_owned),
        (None, false) => None,
    };
    let Some(id) = vars.get("WEBAUTHN_RP_ID").or(default_id) else {
        return Ok(None);
    };
    let mut origins = Vec::new();
    if local {
        origins.extend(Url::parse(&format!("http://{id}")).ok());
    }
    origins.extend(public_origin.filter(|origin| !local || on_site(origin, &id)));
    for extra in vars
        .get("WEBAUTHN_EXTRA_ORIGINS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|extra| !extra.is_empty())
    {
        let origin = parse_origin(extra)
            .and_then(|origin| Url::parse(&origin).ok())
            .ok_or_else(|| invalid("WEBAUTHN_EXTRA_ORIGINS", format!("{extra:?} is no origin")))?;
        origins.push(origin);
    }
    let party = RelyingParty {
        id,
        name: vars
            .get("WEBAUTHN_RP_NAME")
            .unwrap_or_else(|| app::product::NAME.to_owned()),
        origins,
        any_port: local,
    };
    party
        .verifier()
        .map_err(|reason| invalid("WEBAUTHN_RP_ID", reason))?;
    Ok(Some(party))
}

/// Whether `origin`'s host is `id` or a subdomain of it.
fn on_site(origin: &Url, id: &str) -> bool {
    origin
        .domain()
        .is_some_and(|host| host == id || host.ends_with(&format!(".{id}")))
}

fn invalid(name: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { name, reason }
}
