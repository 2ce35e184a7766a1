import {
  test,
  expect,
  createAccount,
  freshEmail,
  newDevice,
  PASSWORD,
  postLogin,
  signInQuickly,
  type Account,
} from '../support/fixtures';
import type { Browser, Page } from '@playwright/test';

// Every form must work as plain HTML: the same flows with JavaScript turned off.
test.use({ javaScriptEnabled: false });

test('register, dashboard, sign out and sign in work without JavaScript', async ({ page }) => {
  const email = freshEmail('nojs');
  await page.goto('/register');
  await page.getByTestId('email-input').fill(email);
  await page.getByTestId('password-input').fill(PASSWORD);
  await page.getByTestId('register-submit').click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(email);

  await page.getByTestId('logout-button').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('nav-login')).toBeVisible();

  await page.goto('/admin');
  await expect(page).toHaveURL(/\/login\?next=\/admin$/);
  await page.goto('/login?next=/dashboard');
  await page.getByTestId('email-input').fill(email);
  await page.getByTestId('password-input').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(email);
});

test('a failed sign-in without JavaScript shows the error next to the form', async ({ page }) => {
  await page.goto('/login');
  await page.getByTestId('email-input').fill(freshEmail('nobody'));
  await page.getByTestId('password-input').fill('wrong password');
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByTestId('login-error')).toHaveText('Incorrect email or password.');
});

/** Another device of `account`, with JavaScript (it only checks whether it is still signed in). */
async function otherDevice(browser: Browser, account: Account): Promise<Page> {
  const device = await newDevice(browser);
  await signInQuickly(device, account);
  return device;
}

async function isSignedIn(device: Page): Promise<boolean> {
  return (await device.request.post('/api/me')).status() === 200;
}

test('sign out everywhere works without JavaScript', async ({ page, browser, account }) => {
  await signInQuickly(page, account);
  const phone = await otherDevice(browser, account);
  await page.goto('/dashboard');
  await page.getByTestId('logout-all-button').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('nav-login')).toBeVisible();
  expect(await isSignedIn(phone)).toBe(false);
});

test('every form of the account page works without JavaScript', async ({ page, browser, account }) => {
  await signInQuickly(page, account);
  const phone = await otherDevice(browser, account);
  const tablet = await otherDevice(browser, account);
  await page.goto('/account');
  await expect(page.getByTestId('session-row')).toHaveCount(3);

  // Ending one device: the first row that is not this browser.
  await page.locator('[data-testid="session-row"][data-current="false"]').first().getByTestId('revoke-session-button').click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('session-row')).toHaveCount(2);

  // Ending every other device.
  await page.getByTestId('logout-others-button').click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('session-row')).toHaveCount(1);
  expect(await isSignedIn(phone)).toBe(false);
  expect(await isSignedIn(tablet)).toBe(false);

  // Changing the password: a wrong current one is refused next to the form, then it works.
  const form = page.getByTestId('change-password-form');
  await form.getByTestId('current_password-input').fill('not the password');
  await form.getByTestId('new_password-input').fill('a new and longer passphrase');
  await form.getByTestId('change-password-submit').click();
  await expect(page.getByTestId('change-password-error')).toHaveText('That is not your current password.');
  await page.goto('/account');
  await form.getByTestId('current_password-input').fill(account.password);
  await form.getByTestId('new_password-input').fill('a new and longer passphrase');
  await form.getByTestId('change-password-submit').click();
  await expect(page).toHaveURL(/\/account$/);
  const renewed = { ...account, password: 'a new and longer passphrase' };
  const renewedLogin = await postLogin((await newDevice(browser)).request, renewed);
  expect(renewedLogin.status()).toBe(200);

  // Erasing the account.
  const erase = page.getByTestId('delete-account-form');
  await erase.getByTestId('password-input').fill(renewed.password);
  await erase.getByTestId('delete-account-submit').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('nav-login')).toBeVisible();
  const gone = await postLogin((await newDevice(browser)).request, renewed);
  expect(gone.status()).toBe(401);
});

test('every form of the admin page works without JavaScript', async ({ page, browser }) => {
  await signInQuickly(page, createAccount('admin'));
  const user = createAccount('user');
  const device = await otherDevice(browser, user);
  await page.goto('/admin');
  const row = page.locator(`[data-testid="user-row"][data-email="${user.email}"]`);

  await row.getByTestId('set-role-button').click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(row.getByTestId('user-role-badge')).toHaveText('admin');

  await row.getByTestId('revoke-user-sessions-button').click();
  await expect(page).toHaveURL(/\/admin$/);
  expect(await isSignedIn(device)).toBe(false);

  await row.getByTestId('set-disabled-button').click();
  await expect(row.getByTestId('user-status')).toHaveText('disabled');
  await row.getByTestId('set-disabled-button').click();
  await expect(row.getByTestId('user-status')).toHaveText('active');
});
