// Adding a passkey on the security page.

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
