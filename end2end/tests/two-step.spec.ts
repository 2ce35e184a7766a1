import type { Page } from '@playwright/test';
import type { Browser } from '@playwright/test';
import { test, expect, signInQuickly, waitForHydration, type Account } from '../support/fixtures';
import { expectAccessible } from '../support/accessibility';
import { servers } from '../support/servers';
import { latestMail } from '../support/mail';
import { totp } from '../support/totp';

// Two-step verification in the browser: setting up an authenticator app from the security page,
// then signing in with its code, with JavaScript (forms enhanced by the page script) and without.

async function ready(page: Page, javaScript: boolean): Promise<void> {
  if (javaScript) await waitForHydration(page);
}

/** Another device: a browser context of its own, with or without JavaScript. */
async function device(browser: Browser, javaScript: boolean): Promise<Page> {
  const context = await browser.newContext({ baseURL: servers.main.url, javaScriptEnabled: javaScript });
  return context.newPage();
}

/** Sets up an authenticator app from the security page; returns its key and recovery codes. */
async function setUpAuthenticator(page: Page, javaScript: boolean): Promise<{ secret: string; codes: string[] }> {
  await page.goto('/account/security');
  await ready(page, javaScript);
  await expect(page.getByTestId('two-step-status')).toContainText('off');
  await page.getByTestId('begin-totp').click();
  await expect(page).toHaveURL(/\/account\/security\/totp$/);
  await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  if (javaScript) await expectAccessible(page);
  const secret = (await page.getByTestId('totp-secret').textContent())!;
  await ready(page, javaScript);
  await page.getByTestId('code-input').fill('000000' === totp(secret) ? '111111' : '000000');
  await page.getByTestId('confirm-totp-submit').click();
  await expect(page.getByTestId('confirm-totp-error')).toHaveText('That code is not right. Try again.');
  await ready(page, javaScript);
  await page.getByTestId('code-input').fill(totp(secret));
  await page.getByTestId('confirm-totp-submit').click();
  await expect(page).toHaveURL(/\/account\/security\/recovery-codes$/);
  const codes = await page.getByTestId('recovery-code').allTextContents();
  expect(codes).toHaveLength(10);
  await page.getByTestId('recovery-codes-done').click();
  await expect(page.getByTestId('two-step-status')).toContainText('on');
  return { secret, codes };
}

/** Signs in on a new device: the password, then the second step's code. */
async function signInWithCode(page: Page, account: Account, secret: string, javaScript: boolean): Promise<void> {
  await page.goto('/login?next=/account');
  await ready(page, javaScript);
  await page.getByTestId('email-input').fill(account.email);
  await page.getByTestId('password-input').fill(account.password);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/login\/verify\?next=/);
  if (javaScript) await expectAccessible(page);
  // The set-up's code is spent (`code_already_used`, tested over HTTP); the next step's code is
  // accepted (one step of skew), whichever step the server is in by now.
  await ready(page, javaScript);
  await page.getByTestId('code-input').fill(totp(secret, Date.now() + 30_000));
  await page.getByTestId('second-step-submit').click();
  await expect(page).toHaveURL(/\/account$/);
}

for (const javaScript of [true, false]) {
  test.describe(javaScript ? 'with JavaScript' : 'without JavaScript', () => {
    test.use({ javaScriptEnabled: javaScript });
    // Each test sets up an app and drives two or three browsers: slower than most on a busy
    // machine (about 10 s here, three times that on a loaded two-core CI run).
    test.describe.configure({ timeout: 60_000 });

    test('an authenticator app is set up, then signing in asks for its code', async ({ page, browser, account }) => {
      await signInQuickly(page, account);
      const { secret } = await setUpAuthenticator(page, javaScript);
      expect((await latestMail(account.email)).subject).toContain('Two-step verification is on');

      // Another device: the password, then the code.
      const laptop = await device(browser, javaScript);
      await signInWithCode(laptop, account, secret, javaScript);
    });

    test('a recovery code signs in, and a browser trusted then skips the code', async ({ page, browser, account }) => {
      await signInQuickly(page, account);
      const { codes } = await setUpAuthenticator(page, javaScript);

      // A recovery code, typed loosely, completes a sign-in; this browser is trusted from now on.
      const phone = await device(browser, javaScript);
      await phone.goto('/login');
      await ready(phone, javaScript);
      await phone.getByTestId('email-input').fill(account.email);
      await phone.getByTestId('password-input').fill(account.password);
      await phone.getByTestId('login-submit').click();
      await expect(phone).toHaveURL(/\/login\/verify/);
      await phone.getByTestId('recovery-code-option').locator('summary').click();
      await ready(phone, javaScript);
      await phone.getByTestId('recovery-code-input').fill(codes[0].toLowerCase());
      await phone.getByTestId('recovery-code-form').getByTestId('trust-device').check();
      await phone.getByTestId('recovery-code-submit').click();
      await expect(phone).toHaveURL(/\/dashboard$/);

      // Signed out and in again (in a new tab of the same browser, so the dashboard's own reaction
      // to the sign-out cannot race the navigation), the trusted browser skips the code.
      expect((await phone.request.post('/api/logout')).status()).toBe(200);
      await phone.close();
      const again = await phone.context().newPage();
      await again.goto('/login');
      await ready(again, javaScript);
      await again.getByTestId('email-input').fill(account.email);
      await again.getByTestId('password-input').fill(account.password);
      await again.getByTestId('login-submit').click();
      await expect(again).toHaveURL(/\/dashboard$/);
    });
  });
}
