//! The mails about an account's two-step verification: each tells the owner what changed, and
//! what to do if it was not them.

use crate::product;
use crate::ssr::mail::messages::notice;
use crate::ssr::mail::Mail;

const NOT_YOU: &str = "If this was not you, someone knows your password: reset it from the \
                       sign-in page, which signs out every device.";

pub fn turned_on(to: &str) -> Mail {
    notice(
        to,
        format!(
            "Two-step verification is on for your {} account",
            product::NAME
        ),
        &[
            "Signing in now asks for a code from your authenticator app after your password. \
             Keep your recovery codes somewhere safe: each signs in once if you lose the app."
                .to_owned(),
            NOT_YOU.to_owned(),
        ],
    )
}

pub fn turned_off(to: &str) -> Mail {
    notice(
        to,
        format!(
            "Two-step verification is off for your {} account",
            product::NAME
        ),
        &[
            "Signing in no longer asks for a code: your password alone signs in.".to_owned(),
            NOT_YOU.to_owned(),
        ],
    )
}

pub fn reset_by_admin(to: &str) -> Mail {
    notice(
        to,
        format!(
            "Two-step verification was reset on your {} account",
            product::NAME
        ),
        &[
            "An administrator turned off two-step verification on your account, as asked when \
             the authenticator app and recovery codes were lost, and signed out every device. \
             Sign in with your password and set it up again from the security page."
                .to_owned(),
            "If you did not ask for this, tell your administrator and reset your password from \
             the sign-in page."
                .to_owned(),
        ],
    )
}

pub fn recovery_code_used(to: &str, left: i64) -> Mail {
    notice(
        to,
        format!(
            "A recovery code signed in to your {} account",
            product::NAME
        ),
        &[
            format!(
                "One of your recovery codes was just used to sign in; {left} unused ones are left. \
                 Make new ones from your account's security page when you run low."
            ),
            NOT_YOU.to_owned(),
        ],
    )
}

pub fn second_step_failing(to: &str) -> Mail {
    notice(
        to,
        format!(
            "Someone is trying to sign in to your {} account",
            product::NAME
        ),
        &[
            "Someone entered your password correctly, then failed the second step many times. \
             Your account held: without a code from your authenticator app they cannot sign in, \
             and further tries are blocked for a while."
                .to_owned(),
            "If this was not you, your password is known to someone else: reset it from the \
             sign-in page, which signs out every device."
                .to_owned(),
        ],
    )
}
