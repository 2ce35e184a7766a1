// Signing in with a passkey: autofill on the email field, and the button.

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
