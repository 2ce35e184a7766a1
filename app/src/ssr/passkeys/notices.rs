//! The mails about an account's passkeys: each tells the owner what changed, and what to do if it
//! was not them.

use crate::product;
use crate::ssr::mail::messages::notice;
use crate::ssr::mail::Mail;

const NOT_YOU: &str = "If this was not you, someone is signed in to your account: sign out \
                       everywhere from your account page, delete the passkeys you do not know \
                       and reset your password.";

pub fn added(to: &str, name: &str) -> Mail {
    notice(
        to,
        format!("A passkey was added to your {} account", product::NAME),
        &[
            format!("The passkey \u{201c}{name}\u{201d} can now sign in to your account."),
            NOT_YOU.to_owned(),
        ],
    )
}

pub fn removed(to: &str, name: &str) -> Mail {
    notice(
        to,
        format!("A passkey was removed from your {} account", product::NAME),
        &[
            format!("The passkey \u{201c}{name}\u{201d} no longer signs in to your account."),
            NOT_YOU.to_owned(),
        ],
    )
}
