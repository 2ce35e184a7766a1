//! Parsing of what users type: each value is checked once, here, and carried as a type after.

use crate::error::AppError;

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 256;
const EMAIL_MAX_BYTES: usize = 254;

/// An email address, trimmed and lower-cased, with a plausible shape. (Whether it exists is
/// only known by sending mail to it; this check is about catching typos and garbage.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, AppError> {
        let email = raw.trim().to_lowercase();
        let invalid = || AppError::invalid("email", "Enter a valid email address.");
        if email.is_empty() || email.len() > EMAIL_MAX_BYTES {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let well_formed = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if well_formed {
            Ok(Email(email))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Passwords longer than this are not looked up: no list entry or pattern of the lists is this
/// long as a whole, and the matching work grows with the length.
const GUESS_CHECK_MAX_CHARS: usize = 64;

/// Words of this site and account that are guesses too: the product's name and slug, and the
/// owner's email with its name part.
fn context_words(owner: Option<&Email>) -> Vec<String> {
    let mut words = vec![
        crate::product::NAME.to_lowercase(),
        crate::product::SLUG.to_owned(),
    ];
    if let Some(email) = owner {
        words.push(email.as_str().to_owned());
        if let Some((name, _)) = email.as_str().split_once('@') {
            words.push(name.to_owned());
        }
    }
    words
}

/// Whether the whole password is one entry of the common-password, word and name lists shipped
/// with the app (through `zxcvbn`, offline; upper case, reversal and l33t spellings included), or
/// one keyboard row, repetition or sequence (`qwertyuiop`, `aaaaaaaa`, `13579135`).
fn is_an_obvious_guess(password: &str, context: &[String]) -> bool {
    use zxcvbn::matching::patterns::MatchPattern;
    if password.chars().count() > GUESS_CHECK_MAX_CHARS {
        return false;
    }
    let context: Vec<&str> = context.iter().map(String::as_str).collect();
    let analysis = zxcvbn::zxcvbn(password, &context);
    match analysis.sequence() {
        [whole] => matches!(
            whole.pattern,
            MatchPattern::Dictionary(_)
                | MatchPattern::Spatial(_)
                | MatchPattern::Repeat(_)
                | MatchPattern::Sequence(_)
        ),
        _ => false,
    }
}

/// A new password: 8 to 256 characters, no composition rules (NIST SP 800-63B), and not one of
/// the guesses every attacker tries first (NIST's blocklist requirement).
pub struct NewPassword(String);

impl NewPassword {
    /// `owner`: the account's email when known, whose address and name part are refused as
    /// passwords too (as are the product's name and slug).
    pub fn parse(raw: String, owner: Option<&Email>) -> Result<NewPassword, AppError> {
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            Err(AppError::invalid(
                "password",
                format!("Use at least {PASSWORD_MIN_CHARS} characters."),
            ))
        } else if chars > PASSWORD_MAX_CHARS {
            Err(AppError::invalid(
                "password",
                format!("Use at most {PASSWORD_MAX_CHARS} characters."),
            ))
        } else if is_an_obvious_guess(&raw, &context_words(owner)) {
            Err(AppError::invalid(
                "password",
                "This password is one attackers try first: a common password, a single word or \
                 name, your email, this site's name, or a keyboard or character pattern. Choose \
                 another, for example a few unrelated words.",
            ))
        } else {
            Ok(NewPassword(raw))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_words_and_patterns_are_refused_with_the_reason() {
        for obvious in [
            "password",
            "Password1",
            "iloveyou",
            "P@ssw0rd",
            "sunshine",
            "qwertyuiop",
            "aaaaaaaaaa",
            "12345678",
            "abcdefgh",
            "drowssap",
            "elephant",
        ] {
            let refused = NewPassword::parse(obvious.to_owned(), None)
                .err()
                .unwrap_or_else(|| panic!("{obvious} accepted"));
            assert_eq!(refused.field.as_deref(), Some("password"));
            assert!(refused.message.contains("attackers try first"), "{obvious}");
        }
        for fine in [
            "correct horse battery staple",
            "a new and longer passphrase",
            "elephant pancake 42",
            "k3Jv9-QwZt_7hLmN",
            &"long passphrase ".repeat(10),
        ] {
            assert!(
                NewPassword::parse(fine.to_owned(), None).is_ok(),
                "{fine} refused"
            );
        }
    }

    #[test]
    fn the_owners_email_and_the_sites_name_are_refused_too() {
        let owner = Email::parse("qzv.morrow7@example.com").unwrap();
        let context = [
            crate::product::NAME.to_owned(),
            crate::product::NAME.to_uppercase(),
            crate::product::SLUG.to_owned(),
            owner.as_str().to_owned(),
            "qzv.morrow7".to_owned(),
        ];
        for word in &context {
            let refused = NewPassword::parse(word.clone(), Some(&owner));
            assert!(refused.is_err(), "{word}");
        }
        // Refused because of whose account it is: for another account the address part passes.
        let stranger = Email::parse("someone.else@example.com").unwrap();
        assert!(NewPassword::parse("qzv.morrow7".into(), Some(&stranger)).is_ok());
    }

    #[test]
    fn emails_are_normalised_and_garbage_is_refused() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@@x.io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn passwords_between_8_and_256_characters_are_accepted() {
        assert!(NewPassword::parse("short".into(), None).is_err());
        assert!(NewPassword::parse("exactly8".into(), None).is_ok());
        assert!(NewPassword::parse("é".repeat(256), None).is_ok());
        assert!(NewPassword::parse("x".repeat(257), None).is_err());
    }
}
