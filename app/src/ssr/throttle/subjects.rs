//! What the throttle counts, and the store keys it counts under.

use crate::ssr::throttle::client_address::group_of_recorded;

pub(super) enum Subject {
    /// An account, guessed at by browsers it does not know, at every address.
    Account(String),
    /// An account, guessed at by browsers it does not know, at every address, over a day.
    AccountDaily(String),
    /// An account, guessed at by browsers it does not know, from one address group.
    AccountFrom {
        account: String,
        address: String,
    },
    /// One known device of an account (its id, from a cookie this server signed).
    KnownDevice(String),
    Address(String),
    /// Sign-ups from one address group.
    Registrations(String),
    /// Passkey ceremonies started by clients of one address group (each holds a little state).
    PasskeyCeremonies(String),
    /// Mail caused by clients of one address group.
    MailFrom(String),
    /// Mail to one address (named like an account, by its keyed hash), from all clients.
    MailTo(String),
    /// Mail to one address at the requests of one client address group.
    MailToFrom {
        recipient: String,
        address: String,
    },
}

impl Subject {
    /// The address's throttle group (its /64 for IPv6; see `client_address`).
    pub(super) fn address(ip: &str) -> Subject {
        Subject::Address(group_of_recorded(ip))
    }

    pub(super) fn registrations(ip: &str) -> Subject {
        Subject::Registrations(group_of_recorded(ip))
    }

    pub(super) fn passkey_ceremonies(ip: &str) -> Subject {
        Subject::PasskeyCeremonies(group_of_recorded(ip))
    }

    pub(super) fn count_key(&self) -> String {
        match self {
            Subject::PasskeyCeremonies(ip) => format!("passkey-ceremonies:ip:{ip}"),
            Subject::Account(hash) => format!("login-failures:account:{hash}"),
            Subject::AccountDaily(hash) => format!("login-failures:account-day:{hash}"),
            Subject::AccountFrom { account, address } => {
                format!("login-failures:account:{account}:ip:{address}")
            }
            Subject::KnownDevice(id) => format!("login-failures:device:{id}"),
            Subject::Address(ip) => format!("login-failures:ip:{ip}"),
            Subject::Registrations(ip) => format!("registrations:ip:{ip}"),
            Subject::MailFrom(ip) => format!("mail:ip:{ip}"),
            Subject::MailTo(hash) => format!("mail:to:{hash}"),
            Subject::MailToFrom { recipient, address } => {
                format!("mail:to:{recipient}:ip:{address}")
            }
        }
    }

    pub(super) fn block_key(&self) -> String {
        match self {
            Subject::PasskeyCeremonies(ip) => format!("passkey-ceremony-block:ip:{ip}"),
            Subject::Account(hash) => format!("login-block:account:{hash}"),
            Subject::AccountDaily(hash) => format!("login-block:account-day:{hash}"),
            Subject::AccountFrom { account, address } => {
                format!("login-block:account:{account}:ip:{address}")
            }
            Subject::KnownDevice(id) => format!("login-block:device:{id}"),
            Subject::Address(ip) => format!("login-block:ip:{ip}"),
            Subject::Registrations(ip) => format!("registration-block:ip:{ip}"),
            Subject::MailFrom(ip) => format!("mail-block:ip:{ip}"),
            Subject::MailTo(hash) => format!("mail-block:to:{hash}"),
            Subject::MailToFrom { recipient, address } => {
                format!("mail-block:to:{recipient}:ip:{address}")
            }
        }
    }
}
