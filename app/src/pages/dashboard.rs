use crate::auth::api::me;
use leptos::either::Either;
use leptos::prelude::*;

/// The signed-in user's home. The email comes from the database (the token has none).
#[component]
pub fn DashboardPage() -> impl IntoView {
    let profile = Resource::new(|| (), |_| me());
    view! {
        <section class="card">
            <h1>"Dashboard"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading your profile…"</p> }>
                {move || Suspend::new(async move {
                    match profile.await {
                        Ok(profile) => Either::Left(view! {
                            <dl class="facts">
                                <dt>"Email"</dt>
                                <dd data-testid="dashboard-email">{profile.email}</dd>
                                <dt>"Role"</dt>
                                <dd data-testid="dashboard-role">{profile.role.as_str()}</dd>
                                <dt>"User id"</dt>
                                <dd>{profile.id}</dd>
                            </dl>
                        }),
                        Err(error) => Either::Right(view! {
                            <p class="alert" role="alert" data-testid="dashboard-error">{error.message}</p>
                        }),
                    }
                })}
            </Suspense>
        </section>
    }
}
