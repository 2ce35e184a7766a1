//! The vocabulary of authentication, shared by server and browser: roles, the viewer, the
//! policies that decide who may see a page or call a function, and where sign-in returns to.

pub mod assurance;
pub mod policy;
pub mod redirect;
pub mod viewer;

use serde::{Deserialize, Serialize};

/// Declares the roles: each line is a variant and the name stored in the database, carried in
/// access tokens and typed on the command line. Adding a role is one line here plus one
/// `INSERT INTO roles` migration per engine (a test checks the two agree); the admin page's
/// role picker, the CLI's `--role` and the policies all read [`Role::ALL`].
macro_rules! roles {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)+) => {
        /// A user's role. Stored in the database and carried in the access token.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Role {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)+
        }

        impl Role {
            /// Every role, in the order the admin page lists them.
            pub const ALL: &'static [Role] = &[$(Role::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Role::$variant => $name,)+
                }
            }
        }
    };
}

roles! {
    /// Every account starts as a user.
    User => "user",
    /// Manages accounts and reads the audit log.
    Admin => "admin",
}

impl Role {
    /// The role a new account gets.
    pub const NEW_ACCOUNT: Role = Role::User;

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL
            .iter()
            .copied()
            .find(|role| role.as_str() == value)
    }

    /// "Choose user or admin.": what to tell someone who named no known role.
    pub fn choose_one() -> String {
        let names: Vec<&str> = Role::ALL.iter().map(|role| role.as_str()).collect();
        choose_among(&names)
    }
}

/// "Choose a, b or c."
fn choose_among(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, [])) => format!("Choose {last}."),
        Some((last, rest)) => format!("Choose {} or {last}.", rest.join(", ")),
        None => "No roles are defined.".to_owned(),
    }
}

/// Who is signed in, exactly as the verified access token says: an id and a role, never personal
/// data. The server renders it into the page so the browser starts with the same answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: i64,
    pub role: Role,
}

/// A user's own profile, read from the database (the token deliberately lacks the email).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: i64,
    pub email: String,
    pub role: Role,
    /// Unix seconds.
    pub created_at: i64,
    /// Disabled by an administrator: cannot sign in.
    #[serde(default)]
    pub disabled: bool,
    /// The account has followed a link mailed to its address.
    #[serde(default)]
    pub email_verified: bool,
    /// Signing in takes a second step (an authenticator app).
    #[serde(default)]
    pub two_step: bool,
}

/// One of the signed-in user's logins, for their devices list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Names the login in requests (a hash; not a credential).
    pub handle: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// Unix seconds.
    pub started_at: i64,
    pub last_used_at: i64,
    /// The login this request was made with.
    pub current: bool,
}

/// One audit-log event as the admin page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its place in the log: pass it as `before` to page to older events.
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub kind: String,
    pub user_id: Option<i64>,
    /// A short hash of the login (session family), never the id itself.
    pub session: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
}

/// Which events an audit-log page shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditFilter {
    /// Everything.
    #[default]
    All,
    /// What happened to accounts: sign-ins, sign-outs, changes, detected theft.
    Accounts,
    /// Refused and failed attempts: wrong passwords, throttled requests, denied pages.
    Attempts,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_from_its_own_name_and_nothing_else_does() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
            let json = serde_json::to_string(role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("Admin"), None);
        assert_eq!(Role::parse(""), None);
    }

    #[test]
    fn the_role_prompt_names_every_role() {
        let prompt = Role::choose_one();
        assert!(
            Role::ALL.iter().all(|role| prompt.contains(role.as_str())),
            "{prompt}"
        );
        assert_eq!(choose_among(&["user", "admin"]), "Choose user or admin.");
        assert_eq!(
            choose_among(&["user", "editor", "admin"]),
            "Choose user, editor or admin."
        );
    }
}
