// Confirming who one is with one of the account's passkeys: the second step of a password
// sign-in, or confirming it's you before a sensitive action. The part names where its options
// come from (`data-options`) and where the signed answer goes (`data-finish`), with its hidden
// inputs as further fields.

const confirm = document.querySelector('[data-passkey="confirm"]');
if (usable(confirm)) {
  // Shown only when the account has a passkey (the options say so).
  const response = await post(confirm.dataset.options, {});
  if (response.ok) {
    const { ceremony, options } = await response.json();
    const publicKey = PK.parseRequestOptionsFromJSON(JSON.parse(options).publicKey);
    confirm.hidden = false;
    confirm.querySelector('button').addEventListener('click', () => {
      attempt(confirm, async () => {
        const credential = await navigator.credentials.get({ publicKey });
        const fields = { ceremony, credential: JSON.stringify(credential.toJSON()) };
        for (const input of confirm.querySelectorAll('input[type="hidden"]')) fields[input.name] = input.value;
        if (document.querySelector('input[name="trust_device"]')?.checked) fields.trust_device = 'true';
        const confirmed = await post(confirm.dataset.finish, fields);
        if (!confirmed.ok) throw await failure(confirmed);
        proceed(confirmed, confirm.dataset.next);
      });
    });
  }
}
