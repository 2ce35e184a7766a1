use crate::auth::api::list_users;
use leptos::either::Either;
use leptos::prelude::*;

/// Administration: every account. Guarded by role `admin` on the page and on its function.
#[component]
pub fn AdminPage() -> impl IntoView {
    let users = Resource::new(|| (), |_| list_users());
    view! {
        <section class="card">
            <h1>"Administration"</h1>
            <h2>"Users"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(users) => Either::Left(view! {
                            <table class="table" data-testid="users-table">
                                <thead>
                                    <tr><th>"Id"</th><th>"Email"</th><th>"Role"</th></tr>
                                </thead>
                                <tbody>
                                    {users.into_iter().map(|user| view! {
                                        <tr data-testid="user-row">
                                            <td>{user.id}</td>
                                            <td>{user.email}</td>
                                            <td><span class="badge">{user.role.as_str()}</span></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }),
                        Err(error) => Either::Right(view! {
                            <p class="alert" role="alert" data-testid="admin-error">{error.message}</p>
                        }),
                    }
                })}
            </Suspense>
        </section>
    }
}
