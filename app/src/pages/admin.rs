use crate::api::admin::{
    audit_log, list_users, AdminResetSecondFactors, RevokeUserSessions, SetDisabled, SetRole,
    AUDIT_PAGE,
};
use crate::auth::viewer::use_viewer;
use crate::auth::{AuditEntry, AuditFilter, Profile, Role};
use crate::components::browser::confirm_identity_when_asked;
use crate::components::display::{device_name, utc_time};
use crate::components::hydration::report_island_hydrated;
use crate::error::AppError;
use leptos::either::Either;
use leptos::prelude::*;

/// The actions an administrator can take on a user, shared by every row.
#[derive(Clone, Copy)]
struct UserActions {
    set_role: ServerAction<SetRole>,
    set_disabled: ServerAction<SetDisabled>,
    revoke: ServerAction<RevokeUserSessions>,
    reset_two_step: ServerAction<AdminResetSecondFactors>,
}

impl UserActions {
    /// The latest action's error, if it failed.
    fn error(self) -> Option<AppError> {
        [
            self.set_role.value().get().and_then(Result::err),
            self.set_disabled.value().get().and_then(Result::err),
            self.revoke.value().get().and_then(Result::err),
            self.reset_two_step.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}

/// Administration: every account with its role and status, and the audit log. Guarded by role
/// `admin` on the page and on each function.
#[component]
pub fn AdminPage() -> impl IntoView {
    let me = use_viewer().map(|viewer| viewer.user_id);
    view! { <AdminConsole me /> }
}

/// The page's content is one island: every action reloads both the users and the audit log.
/// `me`, the administrator's own id, has no actions in its row.
#[island]
fn AdminConsole(me: Option<i64>) -> impl IntoView {
    report_island_hydrated();
    let actions = UserActions {
        set_role: ServerAction::<SetRole>::new(),
        set_disabled: ServerAction::<SetDisabled>::new(),
        revoke: ServerAction::<RevokeUserSessions>::new(),
        reset_two_step: ServerAction::<AdminResetSecondFactors>::new(),
    };
    confirm_identity_when_asked(move || actions.error().map(Err::<(), _>));
    let changes = move || {
        (
            actions.set_role.version().get(),
            actions.set_disabled.version().get(),
            actions.revoke.version().get(),
            actions.reset_two_step.version().get(),
        )
    };
    let users = Resource::new(changes, |_| list_users());
    // Account events by default: a flood of refused attempts cannot push them out of view.
    let filter = RwSignal::new(AuditFilter::Accounts);
    let before = RwSignal::new(None::<i64>);
    let events = Resource::new(
        move || (changes(), filter.get(), before.get()),
        |(_, filter, before)| audit_log(Some(filter), before),
    );
    view! {
        <section class="card">
            <h1>"Administration"</h1>
            <h2>"Users"</h2>
            {move || actions.error().map(|error| view! {
                <p class="alert" role="alert" data-testid="admin-action-error">{error.message}</p>
            })}
            <Suspense fallback=|| view! { <p class="muted">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(users) => Either::Left(view! { <UserTable users actions me /> }),
                        Err(error) => Either::Right(view! {
                            <p class="alert" role="alert" data-testid="admin-error">{error.message}</p>
                        }),
                    }
                })}
            </Suspense>
        </section>
        <section class="card">
            <h2>"Audit log"</h2>
            <p class="muted">"Security events, newest first."</p>
            <AuditFilterSelect filter before />
            <Suspense fallback=|| view! { <p class="muted">"Loading events…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(events) => Either::Left(view! { <AuditPage events before /> }),
                        Err(error) => Either::Right(view! {
                            <p class="alert" role="alert" data-testid="audit-error">{error.message}</p>
                        }),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn UserTable(users: Vec<Profile>, actions: UserActions, me: Option<i64>) -> impl IntoView {
    view! {
        // Focusable, so keyboard users can scroll a table wider than the screen.
        <div class="table-scroll" tabindex="0" role="region" aria-label="Users">
            <table class="table" data-testid="users-table">
                <thead>
                    <tr><th>"Id"</th><th>"Email"</th><th>"Role"</th><th>"Status"</th><th>"Actions"</th></tr>
                </thead>
                <tbody>
                    {users.into_iter().map(|user| {
                        let is_me = Some(user.id) == me;
                        let (id, email, role, disabled) =
                            (user.id, user.email.clone(), user.role, user.disabled);
                        let email_attr = email.clone();
                        view! {
                            <tr data-testid="user-row" data-email=email_attr>
                                <td>{id}</td>
                                <td>{email}</td>
                                <td><span class="badge" data-testid="user-role-badge">{role.as_str()}</span></td>
                                <td>
                                    {if disabled {
                                        Either::Left(view! { <span class="badge badge-danger" data-testid="user-status">"disabled"</span> })
                                    } else {
                                        Either::Right(view! { <span class="badge" data-testid="user-status">"active"</span> })
                                    }}
                                </td>
                                <td>
                                    {if is_me {
                                        Either::Left(view! { <span class="muted">"You"</span> })
                                    } else {
                                        Either::Right(view! { <UserRowActions user actions /> })
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn UserRowActions(user: Profile, actions: UserActions) -> impl IntoView {
    let id = user.id.to_string();
    let (role_id, status_id, reset_id) = (id.clone(), id.clone(), id.clone());
    // Offers the first other role, so with two roles one click swaps them.
    let proposed = Role::ALL
        .iter()
        .copied()
        .find(|role| *role != user.role)
        .unwrap_or(user.role);
    let role_options = Role::ALL
        .iter()
        .map(|role| {
            view! {
                <option value=role.as_str() selected=*role == proposed>
                    {role.as_str()}
                </option>
            }
        })
        .collect_view();
    let (status_value, status_label) = if user.disabled {
        ("false", "Enable")
    } else {
        ("true", "Disable")
    };
    view! {
        <div class="row-actions">
            <ActionForm action=actions.set_role attr:class="inline-form">
                <input type="hidden" name="user_id" value=role_id />
                <select name="role" aria-label="New role" data-testid="set-role-select">
                    {role_options}
                </select>
                <button type="submit" class="button button-ghost button-small" data-testid="set-role-button">
                    "Set role"
                </button>
            </ActionForm>
            <ActionForm action=actions.set_disabled attr:class="inline-form">
                <input type="hidden" name="user_id" value=status_id />
                <input type="hidden" name="disabled" value=status_value />
                <button type="submit" class="button button-ghost button-small" data-testid="set-disabled-button">
                    {status_label}
                </button>
            </ActionForm>
            <ActionForm action=actions.revoke attr:class="inline-form">
                <input type="hidden" name="user_id" value=id />
                <button type="submit" class="button button-ghost button-small" data-testid="revoke-user-sessions-button">
                    "End sessions"
                </button>
            </ActionForm>
            {user.two_step.then(|| view! {
                <ActionForm action=actions.reset_two_step attr:class="inline-form">
                    <input type="hidden" name="user_id" value=reset_id.clone() />
                    <label class="inline-label">
                        <input type="checkbox" name="passkeys" value="true" data-testid="reset-passkeys" />
                        "and passkeys"
                    </label>
                    <button type="submit" class="button button-ghost button-small" data-testid="reset-two-step-button">
                        "Reset two-step"
                    </button>
                </ActionForm>
            })}
        </div>
    }
}

/// Chooses which events the log shows; a new choice starts at the newest.
#[component]
fn AuditFilterSelect(
    filter: RwSignal<AuditFilter>,
    before: RwSignal<Option<i64>>,
) -> impl IntoView {
    let choices = [
        (AuditFilter::Accounts, "accounts", "Account events"),
        (
            AuditFilter::Attempts,
            "attempts",
            "Refused and failed attempts",
        ),
        (AuditFilter::All, "all", "Everything"),
    ];
    let on_change = move |event| {
        let value = event_target_value(&event);
        if let Some((choice, _, _)) = choices.iter().find(|(_, name, _)| *name == value) {
            filter.set(*choice);
            before.set(None);
        }
    };
    view! {
        <label class="inline-label">
            "Show "
            <select data-testid="audit-filter" on:change=on_change>
                {choices.map(|(choice, name, label)| view! {
                    <option value=name selected=move || filter.get() == choice>{label}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// One page of events, with a way to the older ones (when the page is full) and back to the
/// newest.
#[component]
fn AuditPage(events: Vec<AuditEntry>, before: RwSignal<Option<i64>>) -> impl IntoView {
    let older = (events.len() as i64 == AUDIT_PAGE)
        .then(|| events.last().map(|event| event.id))
        .flatten();
    view! {
        <AuditTable events />
        <nav class="pager" aria-label="Audit log pages">
            {move || before.get().is_some().then(|| view! {
                <button type="button" class="button button-ghost button-small" data-testid="audit-newest"
                    on:click=move |_| before.set(None)>"Newest"</button>
            })}
            {older.map(|id| view! {
                <button type="button" class="button button-ghost button-small" data-testid="audit-older"
                    on:click=move |_| before.set(Some(id))>"Older events"</button>
            })}
        </nav>
    }
}

#[component]
fn AuditTable(events: Vec<AuditEntry>) -> impl IntoView {
    if events.is_empty() {
        return Either::Left(view! { <p class="muted">"No events yet."</p> });
    }
    Either::Right(view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Audit log">
            <table class="table" data-testid="audit-table">
                <thead>
                    <tr>
                        <th>"Time"</th><th>"Event"</th><th>"User"</th><th>"Session"</th>
                        <th>"Address"</th><th>"Device"</th><th>"Detail"</th>
                    </tr>
                </thead>
                <tbody>
                    {events.into_iter().map(|event| {
                        let kind = event.kind.clone();
                        let user_id = event.user_id.map(|id| id.to_string()).unwrap_or_default();
                        let user_attr = user_id.clone();
                        view! {
                        <tr data-testid="audit-row" data-kind=kind data-user-id=user_attr>
                            <td>{utc_time(event.at)}</td>
                            <td>{event.kind}</td>
                            <td>{user_id}</td>
                            <td><code>{event.session.unwrap_or_default()}</code></td>
                            <td>{event.ip.unwrap_or_default()}</td>
                            <td>{device_name(event.user_agent.as_deref())}</td>
                            <td>{event.detail.unwrap_or_default()}</td>
                        </tr>
                    }}).collect_view()}
                </tbody>
            </table>
        </div>
    })
}
