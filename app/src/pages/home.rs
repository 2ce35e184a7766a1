use crate::auth::viewer::use_viewer;
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let viewer = use_viewer();
    view! {
        <section class="hero">
            <h1>"Sign-in that is fast and can still be revoked"</h1>
            <p class="lead">
                "Short-lived access tokens are checked on every request without touching a database; "
                "long-lived refresh sessions live on the server, rotate on every use and end for real "
                "when you sign out."
            </p>
            <div class="actions">
                {match viewer {
                    Some(_) => Either::Left(view! {
                        <a href="/dashboard" class="button" data-testid="cta-dashboard">"Go to your dashboard"</a>
                    }),
                    None => Either::Right(view! {
                        <a href="/register" class="button" data-testid="cta-register">"Create an account"</a>
                        <a href="/login" class="button button-ghost" data-testid="cta-login">"Sign in"</a>
                    }),
                }}
            </div>
        </section>
        <section class="features">
            <article class="card">
                <h2>"Access token"</h2>
                <p>"A JWT valid for minutes, in an httpOnly cookie. It names you by id and role only."</p>
            </article>
            <article class="card">
                <h2>"Refresh session"</h2>
                <p>"Kept on the server and rotated on every refresh; the browser never sees its record."</p>
            </article>
            <article class="card">
                <h2>"Guards"</h2>
                <p>"Pages and server functions each declare who may use them, checked on the server first."</p>
            </article>
        </section>
    }
}
