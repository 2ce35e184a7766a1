//! The texts of the mails. Each says in plain words what happened, what to do, and what to do if
//! it was not you; a link when there is one, and how long it works. Nothing else: no tracking,
//! no images, no account details beyond the address it went to.

use crate::product;
use crate::ssr::mail::Mail;
use std::time::Duration;

/// The mail with a link to choose a new password.
pub fn password_reset(to: &str, link: &str, valid_for: Duration) -> Mail {
    with_link(
        to,
        format!("Reset your {} password", product::NAME),
        &[
            &format!(
                "Someone, hopefully you, asked to reset the password of your {} account.",
                product::NAME
            ),
            "Open this link to choose a new password:",
        ],
        link,
        &[
            &format!(
                "The link works once, for {}. Choosing a new password signs out every \
                 device signed in to your account.",
                duration_words(valid_for)
            ),
            "If this was not you, ignore this message: your password stays as it is.",
        ],
    )
}

/// The mail with a link that confirms the account's address.
pub fn verify_address(to: &str, link: &str, valid_for: Duration) -> Mail {
    with_link(
        to,
        format!("Confirm your email address for {}", product::NAME),
        &[
            &format!(
                "Someone, hopefully you, created a {} account with this address.",
                product::NAME
            ),
            "Open this link to confirm that the address is yours:",
        ],
        link,
        &[
            &format!("The link works once, for {}.", duration_words(valid_for)),
            "If this was not you, ignore this message: without the link, the address is not \
             confirmed.",
        ],
    )
}

/// The mail with a link that makes a new address the account's sign-in address.
pub fn confirm_new_address(to: &str, link: &str, valid_for: Duration) -> Mail {
    with_link(
        to,
        format!("Confirm your new email address for {}", product::NAME),
        &[
            &format!(
                "Someone, hopefully you, asked to use this address to sign in to a {} account.",
                product::NAME
            ),
            "Open this link to confirm the change:",
        ],
        link,
        &[
            &format!("The link works once, for {}.", duration_words(valid_for)),
            "If this was not you, ignore this message: nothing changes without the link.",
        ],
    )
}

/// To an address that already has an account, when someone signs up with it again.
pub fn already_registered(to: &str, reset_page: &str) -> Mail {
    with_link(
        to,
        format!(
            "Someone tried to sign up to {} with your address",
            product::NAME
        ),
        &[
            &format!(
                "Someone tried to create a {} account with this address, which already has one.",
                product::NAME
            ),
            "If it was you, sign in instead; if you forgot your password, reset it here:",
        ],
        reset_page,
        &["If this was not you, ignore this message: your account is unchanged."],
    )
}

/// To the old address, when the account's address is being changed (no link: nothing to do).
pub fn address_change_notice(to: &str, new_address: &str) -> Mail {
    let lines = [
        format!(
            "Someone signed in to your {} account asked to change its address to {new_address}. \
             The change takes effect once the new address is confirmed.",
            product::NAME
        ),
        "If this was not you, sign in and change your password (or reset it from the sign-in \
         page): that cancels the change, as signing out everywhere does, and ends every other \
         session."
            .to_owned(),
    ];
    notice(
        to,
        format!("Your {} address is being changed", product::NAME),
        &lines,
    )
}

/// A mail of plain paragraphs, without a link: a notice that something happened.
pub fn notice(to: &str, subject: String, lines: &[String]) -> Mail {
    Mail {
        to: to.to_owned(),
        subject,
        text: lines.join("\n\n") + "\n",
        html: html_document(&lines.iter().map(|line| paragraph(line)).collect::<String>()),
    }
}

/// To the old address, once a change away from it is complete: the link undoes it.
pub fn address_changed(to: &str, new_address: &str, undo_link: &str, valid_for: Duration) -> Mail {
    with_link(
        to,
        format!("Your {} address was changed", product::NAME),
        &[
            &format!(
                "The address of your {} account is now {new_address}; this one no longer signs \
                 in to it.",
                product::NAME
            ),
            "If this was not you, open this link to get your account back: it restores this \
             address, lets you choose a new password, and signs out every device.",
        ],
        undo_link,
        &[
            &format!(
                "The link works once, for {}, whatever is done to the account in the meantime.",
                duration_words(valid_for)
            ),
            "If it was you, ignore this message.",
        ],
    )
}

fn with_link(to: &str, subject: String, before: &[&str], link: &str, after: &[&str]) -> Mail {
    let text = before
        .iter()
        .chain([&link])
        .chain(after)
        .copied()
        .collect::<Vec<_>>()
        .join("\n\n")
        + "\n";
    let escaped = escape(link);
    let html = before
        .iter()
        .map(|line| paragraph(line))
        .collect::<String>()
        + &format!("<p><a href=\"{escaped}\">{escaped}</a></p>")
        + &after.iter().map(|line| paragraph(line)).collect::<String>();
    Mail {
        to: to.to_owned(),
        subject,
        text,
        html: html_document(&html),
    }
}

fn paragraph(line: &str) -> String {
    format!("<p>{}</p>", escape(line))
}

fn html_document(body: &str) -> String {
    format!("<!DOCTYPE html><html><body>{body}</body></html>")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// "30 minutes", "24 hours", "1 hour", "7 days" (days from two on, so a day stays "24 hours").
fn duration_words(duration: Duration) -> String {
    let minutes = duration.as_secs().div_ceil(60);
    let (count, unit) = if minutes >= 2 * 24 * 60 && minutes.is_multiple_of(24 * 60) {
        (minutes / (24 * 60), "day")
    } else if minutes >= 60 && minutes.is_multiple_of(60) {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_mail_says_what_to_do_and_holds_the_link_once_per_part() {
        let link = "https://app.example/reset-password?token=abc&x=<1>";
        let mail = password_reset("a@example.com", link, Duration::from_secs(1800));
        assert!(mail.text.contains(link));
        assert!(mail.text.contains("30 minutes"));
        assert!(mail.text.contains("If this was not you"));
        assert!(mail.html.contains("token=abc&amp;x=&lt;1&gt;"));
        assert!(!mail.html.contains("<1>"));
    }

    #[test]
    fn durations_read_naturally() {
        let words = |secs| duration_words(Duration::from_secs(secs));
        assert_eq!(words(1800), "30 minutes");
        assert_eq!(words(3600), "1 hour");
        assert_eq!(words(86_400), "24 hours");
        assert_eq!(words(60), "1 minute");
        assert_eq!(words(48 * 3600), "2 days");
        assert_eq!(words(7 * 86_400), "7 days");
    }
}
