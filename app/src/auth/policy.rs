//! Who may do what. Pages (`crate::pages::PAGES`) and server functions (each `crate::api`
//! module's `POLICIES`) each have exactly one policy; the server enforces it, by the route that
//! matched the request, before any handler runs.

use super::{Role, Viewer};

/// The rule guarding a page or a server function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user whose session is still alive.
    SignedIn,
    /// Like `SignedIn`, and a page request also confirms the session in the store every time,
    /// not only through the in-memory revocation set: for pages that must show nothing after a
    /// revocation, even for the fraction of a second it takes to reach every instance. Costs a
    /// store round trip per request; `docs/benchmarks.md` measures it.
    LiveSession,
    /// A signed-in user with any of these roles.
    AnyRole(&'static [Role]),
    /// The inner policy, and a recent sign-in: the viewer proved who they are within
    /// `STEP_UP_MAX_AGE` (see [`crate::auth::assurance`]), or is sent to confirm it first. For
    /// actions that would hand an account over or wipe it: whoever found a signed-in browser
    /// unattended, or copied its cookies, cannot take them.
    StepUp(&'static Policy),
}

/// Administrators only.
pub const ADMIN: Policy = Policy::AnyRole(&[Role::Admin]);

/// Any signed-in user who signed in, or confirmed it's them, recently.
pub const SIGNED_IN_RECENTLY: Policy = Policy::StepUp(&Policy::SignedIn);

/// Administrators who signed in, or confirmed it's them, recently.
pub const ADMIN_RECENTLY: Policy = Policy::StepUp(&ADMIN);

/// The outcome of checking a policy against the current viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Allowed,
    /// Nobody is signed in: send them to the login page.
    SignInRequired,
    /// Signed in, but the role does not fit.
    Forbidden,
}

impl Access {
    pub fn is_allowed(self) -> bool {
        self == Access::Allowed
    }
}

/// Checking a policy: the role (and whether anyone is signed in) first, by [`Policy::check`];
/// then, for a [`Policy::StepUp`], the sign-in's age, which only the server can see.
impl Policy {
    /// Whether `viewer` is admitted, as far as who they are goes; a step-up's freshness is
    /// checked apart, from the token (see [`Self::needs_step_up`]).
    pub fn check(self, viewer: Option<&Viewer>) -> Access {
        match (self, viewer) {
            (Policy::StepUp(inner), _) => inner.check(viewer),
            (Policy::Public, _) => Access::Allowed,
            (_, None) => Access::SignInRequired,
            (Policy::SignedIn | Policy::LiveSession, Some(_)) => Access::Allowed,
            (Policy::AnyRole(roles), Some(viewer)) if roles.contains(&viewer.role) => {
                Access::Allowed
            }
            (Policy::AnyRole(_), Some(_)) => Access::Forbidden,
        }
    }

    /// Whether this policy needs the server to confirm the session is still alive.
    pub fn needs_session(self) -> bool {
        !matches!(self, Policy::Public)
    }

    /// Whether this policy also asks for a recent sign-in.
    pub fn needs_step_up(self) -> bool {
        matches!(self, Policy::StepUp(_))
    }
}

/// A page of the app: where it is, who may see it, and the header link to it, if any (shown to
/// viewers its policy admits).
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub path: &'static str,
    pub policy: Policy,
    pub nav_label: Option<&'static str>,
}

impl Page {
    pub const fn new(path: &'static str, policy: Policy) -> Self {
        Self {
            path,
            policy,
            nav_label: None,
        }
    }

    /// Adds a header link to this page.
    pub const fn in_nav(self, label: &'static str) -> Self {
        Self {
            nav_label: Some(label),
            ..self
        }
    }

    /// The `data-testid` of this page's header link: `nav-` and the path's segments joined by `-`.
    pub fn nav_test_id(&self) -> String {
        format!(
            "nav-{}",
            self.path.trim_start_matches('/').replace('/', "-")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role) -> Viewer {
        Viewer { user_id: 1, role }
    }

    #[test]
    fn role_policies_admit_exactly_their_roles() {
        let admin_only = ADMIN;
        assert_eq!(admin_only.check(None), Access::SignInRequired);
        assert_eq!(
            admin_only.check(Some(&viewer(Role::User))),
            Access::Forbidden
        );
        assert_eq!(
            admin_only.check(Some(&viewer(Role::Admin))),
            Access::Allowed
        );
        let either = Policy::AnyRole(&[Role::User, Role::Admin]);
        for role in [Role::User, Role::Admin] {
            assert_eq!(either.check(Some(&viewer(role))), Access::Allowed);
        }
    }

    #[test]
    fn a_step_up_admits_whom_its_inner_policy_admits_and_asks_for_freshness() {
        assert_eq!(
            ADMIN_RECENTLY.check(Some(&viewer(Role::User))),
            Access::Forbidden
        );
        assert_eq!(
            ADMIN_RECENTLY.check(Some(&viewer(Role::Admin))),
            Access::Allowed
        );
        assert_eq!(SIGNED_IN_RECENTLY.check(None), Access::SignInRequired);
        assert!(ADMIN_RECENTLY.needs_step_up() && ADMIN_RECENTLY.needs_session());
        assert!(!ADMIN.needs_step_up());
    }
}
