use leptos::prelude::*;

/// Shown (with status 403) to a signed-in user who lacks the page's role.
#[component]
pub fn ForbiddenPage() -> impl IntoView {
    view! {
        <section class="card narrow" data-testid="forbidden">
            <h1>"403: not for your account"</h1>
            <p>"You are signed in, but this page needs a role your account does not have."</p>
            <a href="/dashboard" class="button">"Back to your dashboard"</a>
        </section>
    }
}
