// Passkeys, on the three pages that offer them: signing in (`[data-passkey="sign-in"]` on the
// sign-in page: autofill on the email field, and a button), the second step
// (`[data-passkey="second-step"]`) and adding one (`[data-passkey="add"]` on the security page).
// This part is what they share; each page gets it with its own part (`passkey_<part>.js`), in one
// inline module.
// Each part is rendered hidden and shown only where the browser has WebAuthn's JSON helpers and
// the page is on the passkeys' domain; elsewhere, or without JavaScript, the pages are what they
// were (password and codes).
// The options come from the server as JSON, the credential goes back as `toJSON()`: the
// browser does the base64 work.

const PK = window.PublicKeyCredential;
const supported = !!(PK && PK.parseRequestOptionsFromJSON && PK.parseCreationOptionsFromJSON);

// Whether passkeys can work in `part`: the browser has what it takes, and the page is on the
// domain they are made for (`data-rp-id`; the browser refuses them anywhere else).
function usable(part) {
  const rpId = part?.dataset.rpId;
  const host = location.hostname;
  return supported && !!rpId && (host === rpId || host.endsWith(`.${rpId}`));
}
const QUIET = 'No passkey was used.';
const UNREACHABLE = 'Could not reach the server. Check your connection and try again.';

// Posts `fields` form-encoded to `path`; the response.
function post(path, fields) {
  return fetch(path, {
    method: 'POST',
    headers: { Accept: 'application/json' },
    body: new URLSearchParams(fields),
  });
}

// A ceremony's id and options from `path`, or throws the server's error.
async function start(path, fields = {}) {
  const response = await post(path, fields);
  if (!response.ok) throw await failure(response);
  const { ceremony, options } = await response.json();
  return { ceremony, options: JSON.parse(options).publicKey };
}

// The server's error (`{ code, message }`) as something to throw.
async function failure(response) {
  try {
    const error = await response.json();
    if (typeof error.message === 'string') return error;
  } catch {
    // Not JSON: a proxy's error page, say.
  }
  return { message: 'Something went wrong. Please try again.' };
}

// Goes where a successful answer says, or to `fallback`.
function proceed(response, fallback) {
  location.assign(response.headers.get('X-Navigate') ?? fallback);
}

// Shows what went wrong in `part`: a cancelled or refused prompt quietly, anything else as an alert.
function report(part, error) {
  if (error?.name === 'AbortError') return;
  const alert = part.querySelector('[role="alert"]');
  const status = part.querySelector('[role="status"]');
  alert.hidden = true;
  status.textContent = '';
  if (error?.code === 'reauthentication_required') {
    location.assign(`/reauthenticate?next=${encodeURIComponent(location.pathname)}`);
  } else if (error?.name === 'NotAllowedError') {
    status.textContent = QUIET;
  } else {
    alert.textContent = error?.message && !error.name ? error.message : UNREACHABLE;
    alert.hidden = false;
  }
}

// Runs `task` for `part`, its button disabled meanwhile, reporting a failure.
async function attempt(part, task) {
  const button = part.querySelector('button');
  button.disabled = true;
  try {
    await task();
  } catch (error) {
    report(part, error);
  }
  button.disabled = false;
}
