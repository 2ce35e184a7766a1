use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="card narrow" data-testid="not-found">
            <h1>"404: nothing here"</h1>
            <a href="/" class="button">"Home"</a>
        </section>
    }
}
