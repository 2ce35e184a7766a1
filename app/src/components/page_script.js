// Runs on every page once it is parsed (an inline module script is deferred).
//
// 1. Loads the WASM bundle only if the page has an island. The bundle's loader tags (Leptos's,
//    unchanged) wait inert in `<template id="bundle-loader">`; they are recreated here, because a
//    script copied out of a template would not run. A page without islands (the home, sign-in and
//    sign-up pages of an anonymous visitor) downloads no WASM at all and is usable now.
// 2. Enhances every `form[data-enhance]`: the form is sent with fetch, the button is disabled while
//    it is in flight, an error is shown next to the form and its field without reloading the page,
//    and on success the browser loads the page named by the answer's `X-Navigate` header, or else
//    by `data-enhance`; an answer asking for a recent sign-in loads the page confirming it's you.
//    Without JavaScript the same form posts as plain HTML and the server answers with redirects.

const loader = document.getElementById('bundle-loader');
if (loader && document.querySelector('leptos-island')) {
  for (const inert of loader.content.children) {
    const live = document.createElement(inert.localName);
    for (const { name, value } of inert.attributes) live.setAttribute(name, value);
    // The page's Content-Security-Policy runs inline scripts only with the page's nonce.
    if (inert.nonce) live.nonce = inert.nonce;
    live.textContent = inert.textContent;
    document.head.append(live);
  }
} else {
  // Nothing to hydrate: tell browser tests (and the benchmark) the page is ready.
  document.body.dataset.hydrated = 'true';
}

const UNREACHABLE = 'Could not reach the server. Check your connection and try again.';
const UNEXPECTED = 'Something went wrong. Please try again.';

for (const form of document.querySelectorAll('form[data-enhance]')) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send(form);
  });
}

async function send(form) {
  const button = form.querySelector('[type="submit"]');
  if (button.disabled) return;
  button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  let error;
  try {
    const response = await fetch(form.action, {
      method: 'POST',
      headers: { Accept: 'application/json' },
      body: new URLSearchParams(new FormData(form)),
    });
    if (response.ok) {
      // The button stays disabled: the next page is on its way.
      location.assign(response.headers.get('X-Navigate') ?? form.dataset.enhance);
      return;
    }
    error = await errorOf(response);
    if (error.code === 'reauthentication_required') {
      location.assign(`/reauthenticate?next=${encodeURIComponent(location.pathname + location.search)}`);
      return;
    }
  } catch {
    error = { message: UNREACHABLE };
  }
  show(form, error);
  button.disabled = false;
  form.removeAttribute('aria-busy');
}

/** The server's error (`{ code, message, field? }`), or a generic one if the body is not ours. */
async function errorOf(response) {
  try {
    const error = await response.json();
    if (typeof error.message === 'string') return error;
  } catch {
    // Not JSON: a proxy's error page, say.
  }
  return { message: UNEXPECTED };
}

function show(form, error) {
  const alert = form.querySelector('[role="alert"]');
  alert.textContent = error.message;
  alert.hidden = false;
  for (const input of form.querySelectorAll('input[name]')) {
    input.setAttribute('aria-invalid', String(input.name === error.field));
  }
}
