import type { Cookie, Page } from '@playwright/test';
import {
  test,
  expect,
  createAccount,
  newDevice as device,
  postLogin,
  REFRESH_COOKIE,
  signIn,
  signInQuickly,
  waitForAccessTokenToLapse,
  waitForHydration,
  type Account,
} from '../support/fixtures';
import { limits, servers } from '../support/servers';

async function refreshCookie(page: Page): Promise<Cookie> {
  const cookie = (await page.context().cookies()).find((c) => c.name === REFRESH_COOKIE);
  expect(cookie, 'the page holds a refresh cookie').toBeDefined();
  return cookie!;
}

/** Expects `page` to be signed out: a guarded page sends it to the login form. */
async function expectSignedOut(page: Page): Promise<void> {
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login\?next=\/dashboard$/);
}

test('two tabs whose access tokens expired refresh at the same moment and both stay signed in', async ({
  browser,
}) => {
  const account = createAccount('user', servers.shortLived);
  const first = await device(browser, servers.shortLived);
  await signInQuickly(first, account);
  const second = await first.context().newPage();
  await waitForAccessTokenToLapse(first);

  const [a, b] = await Promise.all([first.goto('/dashboard'), second.goto('/dashboard')]);
  expect(a?.status()).toBe(200);
  expect(b?.status()).toBe(200);
  await expect(first.getByTestId('dashboard-email')).toHaveText(account.email);
  await expect(second.getByTestId('dashboard-email')).toHaveText(account.email);

  // Both tabs share the one cookie jar; it holds a live token, so both keep working.
  await waitForAccessTokenToLapse(first);
  await second.reload();
  await expect(second).toHaveURL(/\/dashboard$/);
  await expect(second.getByTestId('dashboard-email')).toHaveText(account.email);
});

test('a stolen refresh cookie replayed in another browser signs out both', async ({ browser, account }) => {
  const victim = await device(browser);
  await signInQuickly(victim, account);
  const victimId = (await (await victim.request.post('/api/me')).json()).id;
  const stolen = await refreshCookie(victim);
  // The victim's browser moves on two generations (two refreshes) ...
  for (let n = 0; n < 2; n++) {
    expect((await victim.request.post('/api/refresh')).status()).toBe(200);
  }

  // ... and the thief presents the old cookie from elsewhere.
  const thief = await device(browser);
  await thief.context().addCookies([stolen]);
  await expectSignedOut(thief);
  await expectSignedOut(victim);

  // The administrator sees it in the audit log.
  const admin = await device(browser);
  await signInQuickly(admin, createAccount('admin'));
  await admin.goto('/admin');
  await expect(
    admin.locator(`[data-testid="audit-row"][data-kind="reuse_detected"][data-user-id="${victimId}"]`),
  ).toHaveCount(1);

  // Refused attempts are listed apart, so a flood of them cannot hide events like this one.
  const guess = await postLogin(thief.request, { ...account, password: 'not the password' });
  expect(guess.status()).toBe(401);
  await waitForHydration(admin);
  await admin.getByTestId('audit-filter').selectOption('attempts');
  await expect(
    admin.locator(`[data-testid="audit-row"][data-kind="sign_in_failed"][data-user-id="${victimId}"]`),
  ).toHaveCount(1);
  await expect(admin.locator('[data-testid="audit-row"][data-kind="reuse_detected"]')).toHaveCount(0);
});

test('signing out everywhere else from the account page ends the other device only', async ({
  browser,
  account,
}) => {
  const laptop = await device(browser);
  const phone = await device(browser);
  await signInQuickly(laptop, account);
  await signInQuickly(phone, account);

  await laptop.goto('/account');
  await waitForHydration(laptop);
  await expect(laptop.getByTestId('session-row')).toHaveCount(2);
  await expect(laptop.locator('[data-testid="session-row"][data-current="true"]')).toHaveCount(1);
  await laptop.getByTestId('logout-others-button').click();
  await expect(laptop.getByTestId('logout-others-done')).toBeVisible();
  await expect(laptop.getByTestId('session-row')).toHaveCount(1);

  await expectSignedOut(phone);
  await laptop.goto('/dashboard');
  await expect(laptop.getByTestId('dashboard-email')).toHaveText(account.email);
});

test('ending one device from the devices list signs that device out', async ({ browser, account }) => {
  const laptop = await device(browser);
  const phone = await device(browser);
  await signInQuickly(laptop, account);
  await signInQuickly(phone, account);

  await laptop.goto('/account');
  await waitForHydration(laptop);
  await laptop.getByTestId('revoke-session-button').click();
  await expect(laptop.getByTestId('session-row')).toHaveCount(1);
  await expectSignedOut(phone);
});

test('changing the password signs out the other device', async ({ browser, account }) => {
  const laptop = await device(browser);
  const phone = await device(browser);
  await signInQuickly(laptop, account);
  await signInQuickly(phone, account);

  await laptop.goto('/account');
  await waitForHydration(laptop);
  await laptop.getByTestId('current_password-input').fill('not the password');
  await laptop.getByTestId('new_password-input').fill('a new and longer passphrase');
  await laptop.getByTestId('change-password-submit').click();
  await expect(laptop.getByTestId('change-password-error')).toHaveText('That is not your current password.');

  await laptop.getByTestId('current_password-input').fill(account.password);
  await laptop.getByTestId('change-password-submit').click();
  await expect(laptop.getByTestId('change-password-done')).toBeVisible();
  await expectSignedOut(phone);
});

test('a role change by an administrator takes effect on the next navigation', async ({ browser, account }) => {
  const user = await device(browser);
  await signInQuickly(user, account);
  const denied = await user.goto('/admin');
  expect(denied?.status()).toBe(403);

  const admin = await device(browser);
  await signInQuickly(admin, createAccount('admin'));
  await admin.goto('/admin');
  await waitForHydration(admin);
  const row = admin.locator(`[data-testid="user-row"][data-email="${account.email}"]`);
  await row.getByTestId('set-role-button').click();
  await expect(row.getByTestId('user-role-badge')).toHaveText('admin');

  const allowed = await user.goto('/admin');
  expect(allowed?.status()).toBe(200);
  await expect(user.getByTestId('users-table')).toBeVisible();
  await expect(user.getByTestId('user-role')).toHaveText('admin');
});

test('repeated wrong passwords are throttled with a clear message', async ({ page }) => {
  const account: Account = createAccount('user');
  const wrong = { ...account, password: 'not the right password' };
  for (let attempt = 1; attempt <= limits.loginMaxFailures; attempt++) {
    await signIn(page, wrong);
    await expect(page.getByTestId('login-error')).toHaveText('Incorrect email or password.');
  }
  await signIn(page, account);
  await expect(page.getByTestId('login-error')).toContainText('Too many attempts. Try again in');
  await expect(page).toHaveURL(/\/login/);
});
