import type { Page } from '@playwright/test';
import { test, waitForHydration } from '../support/fixtures';
import { expectAccessible } from '../support/accessibility';

/** Opens `path` and checks it with axe (see `expectAccessible`). */
async function expectPageAccessible(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitForHydration(page);
  await expectAccessible(page);
}

test('every page signed out is free of serious accessibility violations', async ({ page }) => {
  const mailPages = ['/forgot-password', '/forgot-password?sent=1', '/register?sent=1'];
  // Opened with a dead link: the page that offers a new one.
  const linkPages = [
    '/reset-password?token=expired',
    '/verify-email?token=expired',
    '/verify-email?done=1',
    '/undo-email-change?token=expired',
  ];
  for (const path of ['/', '/login', '/register', '/no-such-page', ...mailPages, ...linkPages]) {
    await expectPageAccessible(page, path);
  }
});

test('every page of a signed-in user is free of serious accessibility violations', async ({ userPage }) => {
  const security = ['/account/security', '/account/security/recovery-codes', '/reauthenticate?next=/account'];
  for (const path of ['/', '/dashboard', '/account', '/admin', ...security]) {
    await expectPageAccessible(userPage, path);
  }
});

test('the admin page is free of serious accessibility violations', async ({ loginAs }) => {
  await loginAs('user');
  const { page } = await loginAs('admin');
  await expectPageAccessible(page, '/admin');
});
