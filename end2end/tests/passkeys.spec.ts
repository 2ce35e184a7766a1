import type { Browser, Page } from '@playwright/test';
import { test, expect, signInQuickly, waitForHydration, type Account } from '../support/fixtures';
import { expectAccessible } from '../support/accessibility';
import { latestMail } from '../support/mail';
import { servers } from '../support/servers';
import { addAuthenticator, credentials, localhost, type Authenticator } from '../support/passkeys';
import { totp } from '../support/totp';

// Passkeys in Chromium, with its virtual authenticator (CDP), on http://localhost: adding one
// from the security page, signing in with it (autofill, the button, the address first), using it
// as the second step, renaming and deleting it, and what the browser says when it is refused.
// The server's own refusals (copied counters, other accounts' credentials) are tested over HTTP.

test.use({ baseURL: localhost });
// Each test drives several browsers through WebAuthn prompts: slower than most on a busy machine.
test.describe.configure({ timeout: 60_000 });

/** Adds a passkey named `name` from the security page of the signed-in `page`. */
async function addPasskey(page: Page, name: string): Promise<void> {
  await page.goto('/account/security');
  await waitForHydration(page);
  await expect(page.getByTestId('passkey-add')).toBeVisible();
  await page.getByTestId('passkey-name-input').fill(name);
  await page.getByTestId('passkey-add-button').click();
  await expect(page.getByTestId('passkey-name')).toHaveValue(name);
}

/** Another device on localhost: a browser context of its own, with or without JavaScript. */
async function device(browser: Browser, javaScript = true): Promise<Page> {
  const context = await browser.newContext({ baseURL: localhost, javaScriptEnabled: javaScript });
  return context.newPage();
}

/**
 * Another device that holds a copy of `credential` (as a synced passkey would), on the sign-in
 * page. The copy arrives once the page's autofill request is waiting, so that request finds
 * nothing and the button is what uses the passkey.
 */
async function deviceWithCopy(browser: Browser, credential: object, path = '/login'): Promise<[Page, Authenticator]> {
  const page = await device(browser);
  const key = await addAuthenticator(page);
  await page.goto(path);
  await waitForHydration(page);
  await expect(page.locator('[data-passkey="sign-in"][data-autofill="offered"]')).toHaveCount(1);
  await key.cdp.send('WebAuthn.addCredential', { authenticatorId: key.id, credential });
  return [page, key];
}

/** A fresh account signed in on `page`, with a passkey on `page`'s authenticator. */
async function withPasskey(page: Page, account: Account, name = 'Laptop'): Promise<Authenticator> {
  await signInQuickly(page, account);
  const authenticator = await addAuthenticator(page);
  await addPasskey(page, name);
  return authenticator;
}

test('a passkey added on the security page signs in by autofill and confirms it is you', async ({ page, account }) => {
  const authenticator = await withPasskey(page, account);
  const [credential] = await credentials(authenticator);
  expect(credential.isResidentCredential).toBe(true);
  expect(credential.rpId).toBe('localhost');
  expect((await latestMail(account.email)).subject).toContain('A passkey was added');
  await expect(page.getByTestId('passkeys-status')).toHaveText('One passkey signs in to this account.');
  await expectAccessible(page);

  // Signed out, the sign-in page asks for the site's passkeys on the email field (autofill); the
  // virtual authenticator answers at once, where a person would pick the passkey there.
  expect((await page.request.post('/api/logout')).status()).toBe(200);
  await page.goto('/login?next=/account');
  await page.waitForURL((url) => url.pathname === '/account');
  const access = (await page.context().cookies()).find((c) => c.name === '__Host-access_token')!;
  const claims = JSON.parse(Buffer.from(access.value.split('.')[1], 'base64url').toString());
  expect(claims.amr).toEqual(['hwk', 'user', 'mfa']);
  expect(claims.acr).toBe('aal2');

  // Confirming it's you before a sensitive action: the passkey instead of the password.
  await page.goto('/reauthenticate?next=/account/security');
  await expect(page.getByTestId('passkey-confirm')).toBeVisible();
  await page.getByTestId('passkey-confirm-button').click();
  await page.waitForURL((url) => url.pathname === '/account/security');
});

test('the button signs in with the address typed first, and without the passkey says so quietly', async ({
  page,
  browser,
  account,
}) => {
  const authenticator = await withPasskey(page, account);
  const [credential] = await credentials(authenticator);

  // The button (which withdraws the autofill request) with the address typed: that account's
  // passkeys are offered, and the copy signs in.
  const [laptop] = await deviceWithCopy(browser, credential);
  await laptop.getByTestId('email-input').fill(account.email);
  await laptop.getByTestId('passkey-sign-in-button').click();
  await expect(laptop).toHaveURL(/\/dashboard$/);

  // A browser without the passkey: the prompt finds none, and the page says so without alarm.
  const stranger = await device(browser);
  const empty = await addAuthenticator(stranger);
  await stranger.goto('/login');
  await waitForHydration(stranger);
  await empty.cdp.send('WebAuthn.setUserVerified', { authenticatorId: empty.id, isUserVerified: false });
  await stranger.getByTestId('passkey-sign-in-button').click();
  await expect(stranger.getByTestId('passkey-sign-in-status')).toHaveText('No passkey was used.');
  await expect(stranger.getByTestId('passkey-sign-in-error')).toBeHidden();
  await expect(stranger).toHaveURL(/\/login$/);
});

test('a refused signature is an error, and a deleted passkey no longer signs in', async ({ page, browser, account }) => {
  const authenticator = await withPasskey(page, account, 'Old name');
  // Renamed in place.
  await page.getByTestId('passkey-name').fill('Work laptop');
  await page.getByTestId('rename-passkey').click();
  await expect(page.getByTestId('passkey-name')).toHaveValue('Work laptop');

  // The authenticator signs badly: the server refuses, and the page shows its message.
  const [credential] = await credentials(authenticator);
  const [other, key] = await deviceWithCopy(browser, credential);
  await key.cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: key.id, isBogusSignature: true });
  await other.getByTestId('passkey-sign-in-button').click();
  await expect(other.getByTestId('passkey-sign-in-error')).toHaveText('That passkey could not be verified.');

  // Deleted on the security page: the same authenticator's passkey is refused from then on.
  await page.getByTestId('delete-passkey').click();
  await expect(page.getByTestId('passkeys-status')).toContainText('No passkeys yet');
  expect((await latestMail(account.email)).subject).toContain('A passkey was removed');
  await key.cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: key.id });
  await other.reload();
  await waitForHydration(other);
  await other.getByTestId('passkey-sign-in-button').click();
  await expect(other.getByTestId('passkey-sign-in-error')).toHaveText('That passkey could not be verified.');
  await expect(other).toHaveURL(/\/login$/);
});

test('a passkey completes the second step of a password sign-in', async ({ page, browser, account }) => {
  await signInQuickly(page, account);
  // Two-step verification on, then a passkey.
  await page.goto('/account/security');
  await waitForHydration(page);
  await page.getByTestId('begin-totp').click();
  await expect(page).toHaveURL(/\/account\/security\/totp$/);
  const secret = (await page.getByTestId('totp-secret').textContent())!;
  await waitForHydration(page);
  await page.getByTestId('code-input').fill(totp(secret));
  await page.getByTestId('confirm-totp-submit').click();
  await expect(page).toHaveURL(/\/account\/security\/recovery-codes$/);
  const authenticator = await addAuthenticator(page);
  await addPasskey(page, 'Phone');
  const [credential] = await credentials(authenticator);

  const [laptop] = await deviceWithCopy(browser, credential, '/login?next=/account');
  await laptop.getByTestId('email-input').fill(account.email);
  await laptop.getByTestId('password-input').fill(account.password);
  await laptop.getByTestId('login-submit').click();
  await expect(laptop).toHaveURL(/\/login\/verify/);
  await expect(laptop.getByTestId('passkey-confirm')).toBeVisible();
  await expectAccessible(laptop);
  await laptop.getByTestId('passkey-confirm-button').click();
  await laptop.waitForURL((url) => url.pathname === '/account');
});

test('without JavaScript, or on another host, no passkey appears and the password signs in as before', async ({
  browser,
  account,
}) => {
  const page = await device(browser, false);
  await page.goto('/login');
  await expect(page.getByTestId('passkey-sign-in')).toBeHidden();
  await page.getByTestId('email-input').fill(account.email);
  await page.getByTestId('password-input').fill(account.password);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto('/account/security');
  await expect(page.getByTestId('passkey-add')).toBeHidden();
  await expect(page.getByTestId('passkeys-status')).toContainText('No passkeys yet');

  // The same site reached as 127.0.0.1: passkeys made for `localhost` cannot work there, so the
  // page offers none and says nothing about them.
  const elsewhere = await (await browser.newContext({ baseURL: servers.main.url })).newPage();
  await elsewhere.goto('/login');
  await waitForHydration(elsewhere);
  await expect(elsewhere.getByTestId('passkey-sign-in')).toBeHidden();
  await expect(elsewhere.getByTestId('passkey-sign-in-error')).toBeHidden();
});
