import { readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import {
  test,
  expect,
  freshEmail,
  newDevice,
  PASSWORD,
  postLogin,
  signInQuickly,
  waitForHydration,
  type Account,
} from '../support/fixtures';
import { latestMail, linkTo, mailTo } from '../support/mail';

// Account self-service by email, in the browser, reading the real mail the app wrote. Every flow
// runs twice: with JavaScript (forms enhanced by the page script) and without (plain HTML).

const NEW_PASSWORD = 'a fresh passphrase for my account';

async function stillSignedIn(device: Page): Promise<boolean> {
  return (await device.request.post('/api/me')).status() === 200;
}

async function ready(page: Page, javaScript: boolean): Promise<void> {
  if (javaScript) await waitForHydration(page);
}

/** Asks for a reset link from the sign-in page, as a person who forgot the password would. */
async function askForResetLink(page: Page, account: Account, javaScript: boolean): Promise<void> {
  await page.goto('/login');
  await ready(page, javaScript);
  await page.getByTestId('forgot-password-link').click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await ready(page, javaScript);
  await page.getByTestId('email-input').fill(account.email);
  await page.getByTestId('forgot-password-submit').click();
  await expect(page.getByTestId('reset-requested')).toBeVisible();
}

async function resetFlow(page: Page, browser: Browser, account: Account, javaScript: boolean) {
  const laptop = await newDevice(browser);
  await signInQuickly(laptop, account);

  await askForResetLink(page, account, javaScript);
  const mail = await latestMail(account.email);
  expect(mail.subject).toContain('Reset your');
  const link = linkTo(mail, '/reset-password');

  await page.goto(link);
  await ready(page, javaScript);
  await expect(page.getByTestId('reset-email')).toHaveText(account.email);
  // A refused password is shown in place, and the link still works.
  await page.getByTestId('password-input').fill('short');
  await page.getByTestId('reset-password-submit').click();
  await expect(page.getByTestId('reset-password-error')).toHaveText('Use at least 8 characters.');
  await ready(page, javaScript);
  await page.getByTestId('password-input').fill(NEW_PASSWORD);
  await page.getByTestId('reset-password-submit').click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(account.email);

  expect(await stillSignedIn(laptop)).toBe(false);
  const device = await newDevice(browser);
  expect((await postLogin(device.request, account)).status()).toBe(401);
  expect((await postLogin(device.request, { ...account, password: NEW_PASSWORD })).status()).toBe(200);

  // The link worked once: opened again, it offers a new one.
  await page.goto(link);
  await expect(page.getByTestId('link-invalid')).toBeVisible();
  await page.getByTestId('ask-again-link').click();
  await expect(page).toHaveURL(/\/forgot-password$/);
}

async function confirmationFlow(page: Page, javaScript: boolean) {
  const email = freshEmail('confirm');
  await page.goto('/register');
  await ready(page, javaScript);
  await page.getByTestId('email-input').fill(email);
  await page.getByTestId('password-input').fill(PASSWORD);
  await page.getByTestId('register-submit').click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('verify-email-banner')).toBeVisible();

  // Asking again (once the first has arrived) sends a second link, which works (that the first
  // then no longer does is `email.rs::a_newer_link_voids_the_older_one`).
  await latestMail(email, 1);
  await ready(page, javaScript);
  await page.getByTestId('resend-verification-button').click();
  await expect(page.getByTestId('verification-resent')).toBeVisible();
  const mail = await latestMail(email, 2);
  expect(mail.subject).toContain('Confirm your email address');

  await page.goto(linkTo(mail, '/verify-email'));
  await ready(page, javaScript);
  await expect(page.getByTestId('verify-email-address')).toHaveText(email);
  await page.getByTestId('verify-email-submit').click();
  await expect(page.getByTestId('email-verified')).toBeVisible();
  await page.goto('/dashboard');
  await expect(page.getByTestId('dashboard-email')).toHaveText(email);
  await expect(page.getByTestId('verify-email-banner')).toHaveCount(0);
}

async function addressChangeFlow(page: Page, account: Account, javaScript: boolean) {
  const moved = freshEmail('moved');
  await page.goto('/account');
  await ready(page, javaScript);
  const form = page.getByTestId('change-email-form');
  await form.getByTestId('new_email-input').fill(moved);
  await form.getByTestId('password-input').fill(account.password);
  await form.getByTestId('change-email-submit').click();
  await expect(page.getByTestId('change-email-mailed')).toBeVisible();
  const notice = await latestMail(account.email);
  expect(notice.text).toContain(moved);

  await page.goto(linkTo(await latestMail(moved), '/verify-email'));
  await expect(page.getByTestId('verify-email-address')).toHaveText(moved);
  await ready(page, javaScript);
  await page.getByTestId('verify-email-submit').click();
  await expect(page.getByTestId('email-verified')).toBeVisible();
  await page.goto('/dashboard');
  await expect(page.getByTestId('dashboard-email')).toHaveText(moved);
}

async function exportFlow(page: Page, account: Account) {
  await page.goto('/account');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-data-link').click(),
  ]);
  const data = JSON.parse(readFileSync((await download.path())!, 'utf8'));
  expect(data.account.email).toBe(account.email);
  expect(data.logins.some((login: { current: boolean }) => login.current)).toBe(true);
}

test.describe('with JavaScript', () => {
  test('a forgotten password is reset from the mailed link, ending every other session', async ({
    page,
    browser,
    account,
  }) => {
    await resetFlow(page, browser, account, true);
  });

  test('a new account confirms its address from the mailed link', async ({ page }) => {
    await confirmationFlow(page, true);
  });

  test('an account moves to a new address once the link mailed there is followed', async ({ page, account }) => {
    await signInQuickly(page, account);
    await addressChangeFlow(page, account, true);
  });

  test('an account downloads its data from the account page', async ({ page, account }) => {
    await signInQuickly(page, account);
    await exportFlow(page, account);
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a forgotten password is reset from the mailed link, ending every other session', async ({
    page,
    browser,
    account,
  }) => {
    await resetFlow(page, browser, account, false);
  });

  test('a new account confirms its address from the mailed link', async ({ page }) => {
    await confirmationFlow(page, false);
  });

  test('an account moves to a new address once the link mailed there is followed', async ({ page, account }) => {
    await signInQuickly(page, account);
    await addressChangeFlow(page, account, false);
  });

  test('an account downloads its data from the account page', async ({ page, account }) => {
    await signInQuickly(page, account);
    await exportFlow(page, account);
  });
});

test('asking for a link for an unknown address looks the same and mails nothing', async ({ page, account }) => {
  const nobody = { email: freshEmail('nobody'), password: PASSWORD };
  await askForResetLink(page, nobody, true);
  await expect(page).toHaveURL(/\/forgot-password\?sent=1$/);
  const answered = await page.getByTestId('reset-requested').textContent();
  // The same request for an existing account: the same page, and its mail arriving shows the
  // sender has run past the unknown address's request.
  await askForResetLink(page, account, true);
  expect(await page.getByTestId('reset-requested').textContent()).toBe(answered);
  await latestMail(account.email);
  expect(mailTo(nobody.email)).toEqual([]);
});

test('the development outbox page does not exist outside dev', async ({ page }) => {
  const response = await page.goto('/dev/mail');
  expect(response?.status()).toBe(404);
});
