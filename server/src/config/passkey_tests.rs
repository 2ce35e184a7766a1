//! The passkey settings' rules: a relying party browsers accept, or no start.

use super::tests::{parse, SMTP, STRONG};
use super::ConfigError;

const PROD: [(&str, &str); 3] = [("APP_ENV", "prod"), ("JWT_SECRET", STRONG), SMTP];

fn prod(more: &[(&str, &str)]) -> Result<super::Config, ConfigError> {
    parse(&[PROD.as_slice(), more].concat())
}

#[test]
fn prod_makes_passkeys_for_the_public_origin_and_dev_for_localhost() {
    let config = prod(&[("PUBLIC_ORIGIN", "https://app.example.com")]).unwrap();
    let party = config.auth.passkeys.unwrap();
    assert_eq!(party.id, "app.example.com");
    assert_eq!(party.origins[0].as_str(), "https://app.example.com/");
    assert!(!party.any_port);

    let config = prod(&[
        ("PUBLIC_ORIGIN", "https://app.example.com"),
        ("WEBAUTHN_RP_ID", "example.com"),
        ("WEBAUTHN_EXTRA_ORIGINS", "https://admin.example.com"),
    ])
    .unwrap();
    let party = config.auth.passkeys.unwrap();
    assert_eq!(party.id, "example.com");
    assert_eq!(party.origins.len(), 2);

    for env in ["dev", "test"] {
        let party = parse(&[("APP_ENV", env)]).unwrap().auth.passkeys.unwrap();
        assert_eq!(party.id, "localhost");
        assert!(party.any_port);
    }
    let off = prod(&[
        ("PUBLIC_ORIGIN", "https://app.example.com"),
        ("PASSKEYS", "off"),
    ]);
    assert!(off.unwrap().auth.passkeys.is_none());
}

#[test]
fn an_ip_address_or_a_foreign_rp_id_refuses_to_start() {
    for (origin, rp_id) in [
        ("https://app.example.com", "other.example"),
        ("https://app.example.com", "pp.example.com"),
        ("https://192.0.2.10", "192.0.2.10"),
    ] {
        let refused = prod(&[("PUBLIC_ORIGIN", origin), ("WEBAUTHN_RP_ID", rp_id)]).unwrap_err();
        assert!(
            refused.to_string().contains("WEBAUTHN_RP_ID"),
            "{origin} {rp_id}: {refused}"
        );
    }
    let refused = prod(&[("PUBLIC_ORIGIN", "https://192.0.2.10")]).unwrap_err();
    assert!(refused.to_string().contains("WEBAUTHN_RP_ID"), "{refused}");
    let refused = prod(&[
        ("PUBLIC_ORIGIN", "https://app.example.com"),
        ("WEBAUTHN_EXTRA_ORIGINS", "https://elsewhere.example"),
    ])
    .unwrap_err();
    assert!(refused.to_string().contains("WEBAUTHN_RP_ID"), "{refused}");
    let refused = parse(&[("PASSKEYS", "maybe")]).unwrap_err();
    assert!(refused.to_string().contains("PASSKEYS"), "{refused}");
}
