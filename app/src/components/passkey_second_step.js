// The second step of a password sign-in, with one of the account's passkeys.

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
