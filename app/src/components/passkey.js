// Passkeys, on the three pages that offer them: signing in (`[data-passkey="sign-in"]` on the
// sign-in page: autofill on the email field, and a button), the second step
// (`[data-passkey="second-step"]`) and adding one (`[data-passkey="add"]` on the security page).
// Each part is rendered hidden and shown only where the browser has WebAuthn's JSON helpers and
// the page is on the passkeys' domain; elsewhere, or without JavaScript, the pages are what they
// were (password and codes).
// The options come from the server as JSON, the credential goes back as `toJSON()`: the
// browser does the base64 work.

const PK = window.PublicKeyCredential;
const supported = !!(PK && PK.parseRequestOptionsFromJSON && PK.parseCreationOptionsFromJSON);

/** Whether passkeys can work in `part`: the browser has what it takes, and the page is on the
 * domain they are made for (`data-rp-id`; the browser refuses them anywhere else). */
function usable(part) {
  const rpId = part?.dataset.rpId;
  const host = location.hostname;
  return supported && !!rpId && (host === rpId || host.endsWith(`.${rpId}`));
}
const QUIET = 'No passkey was used.';
const UNREACHABLE = 'Could not reach the server. Check your connection and try again.';

/** Posts `fields` form-encoded to `path`; the response. */
function post(path, fields) {
  return fetch(path, {
    method: 'POST',
    headers: { Accept: 'application/json' },
    body: new URLSearchParams(fields),
  });
}

/** A ceremony's id and options from `path`, or throws the server's error. */
async function start(path, fields = {}) {
  const response = await post(path, fields);
  if (!response.ok) throw await failure(response);
  const { ceremony, options } = await response.json();
  return { ceremony, options: JSON.parse(options).publicKey };
}

/** The server's error (`{ code, message }`) as something to throw. */
async function failure(response) {
  try {
    const error = await response.json();
    if (typeof error.message === 'string') return error;
  } catch {
    // Not JSON: a proxy's error page, say.
  }
  return { message: 'Something went wrong. Please try again.' };
}

/** Goes where a successful answer says, or to `fallback`. */
function proceed(response, fallback) {
  location.assign(response.headers.get('X-Navigate') ?? fallback);
}

/** Shows what went wrong in `part`: a cancelled or refused prompt quietly, anything else as an alert. */
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

/** Runs `task` for `part`, its button disabled meanwhile, reporting a failure. */
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

const signIn = document.querySelector('[data-passkey="sign-in"]');
if (usable(signIn)) {
  signIn.hidden = false;
  const next = signIn.dataset.next;
  const email = document.querySelector('input[name="email"]');
  const finish = async (started, credential) => {
    const response = await post('/api/sign_in_with_passkey', {
      ceremony: started.ceremony,
      credential: JSON.stringify(credential.toJSON()),
      next,
    });
    if (!response.ok) throw await failure(response);
    proceed(response, next);
  };
  // Autofill: the browser offers this site's passkeys on the email field, until the button is used.
  // It stays pending until then, so it does not hold the button.
  let autofill = null;
  if (await PK.isConditionalMediationAvailable?.()) {
    autofill = new AbortController();
    const signal = autofill.signal;
    (async () => {
      const started = await start('/api/passkey_sign_in_options');
      const publicKey = PK.parseRequestOptionsFromJSON(started.options);
      const offered = navigator.credentials.get({ mediation: 'conditional', publicKey, signal });
      // Says the browser is now offering passkeys on the field (browser tests wait for it).
      signIn.dataset.autofill = 'offered';
      await finish(started, await offered);
    })().catch((error) => {
      // The browser's own refusals stay silent here: nobody pressed anything.
      if (error?.code) report(signIn, error);
    });
  }
  // The button: only one request may be pending, so the autofill one is withdrawn first. With an
  // address typed, that account's passkeys are offered (those the browser cannot find unasked too).
  signIn.querySelector('button').addEventListener('click', () => {
    autofill?.abort();
    autofill = null;
    attempt(signIn, async () => {
      const address = email?.value.trim();
      const started = address
        ? await start('/api/passkey_sign_in_options_for', { email: address })
        : await start('/api/passkey_sign_in_options');
      const publicKey = PK.parseRequestOptionsFromJSON(started.options);
      await finish(started, await navigator.credentials.get({ publicKey }));
    });
  });
}

const secondStep = document.querySelector('[data-passkey="second-step"]');
if (usable(secondStep)) {
  // Shown only when the waiting account has a passkey (the options say so).
  const response = await post('/api/passkey_second_factor_options', {});
  if (response.ok) {
    const { ceremony, options } = await response.json();
    const publicKey = PK.parseRequestOptionsFromJSON(JSON.parse(options).publicKey);
    secondStep.hidden = false;
    secondStep.querySelector('button').addEventListener('click', () => {
      attempt(secondStep, async () => {
        const credential = await navigator.credentials.get({ publicKey });
        const trust = document.querySelector('input[name="trust_device"]')?.checked;
        const fields = { method: 'passkey', ceremony, credential: JSON.stringify(credential.toJSON()) };
        if (trust) fields.trust_device = 'true';
        const verified = await post('/api/verify_second_factor', fields);
        if (!verified.ok) throw await failure(verified);
        proceed(verified, secondStep.dataset.next);
      });
    });
  }
}

const add = document.querySelector('[data-passkey="add"]');
if (usable(add)) {
  add.hidden = false;
  add.querySelector('button').addEventListener('click', () => {
    attempt(add, async () => {
      const started = await start('/api/passkey_registration_options');
      const publicKey = PK.parseCreationOptionsFromJSON(started.options);
      const credential = await navigator.credentials.create({ publicKey });
      const added = await post('/api/register_passkey', {
        ceremony: started.ceremony,
        credential: JSON.stringify(credential.toJSON()),
        name: add.querySelector('input[name="name"]').value,
      });
      if (!added.ok) throw await failure(added);
      location.reload();
    });
  });
}
