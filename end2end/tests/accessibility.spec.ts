import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect, waitForHydration } from '../support/fixtures';

/** Fails on every serious or critical WCAG 2.x A/AA violation axe finds on the page as shown. */
async function expectAccessible(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitForHydration(page);
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      where: violation.nodes.map((node) => node.target.join(' ')),
    }));
  expect(serious, `${path}: serious or critical accessibility violations`).toEqual([]);
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
    await expectAccessible(page, path);
  }
});

test('every page of a signed-in user is free of serious accessibility violations', async ({ userPage }) => {
  const security = ['/account/security', '/account/security/recovery-codes', '/reauthenticate?next=/account'];
  for (const path of ['/', '/dashboard', '/account', '/admin', ...security]) {
    await expectAccessible(userPage, path);
  }
});

test('the admin page is free of serious accessibility violations', async ({ loginAs }) => {
  await loginAs('user');
  const { page } = await loginAs('admin');
  await expectAccessible(page, '/admin');
});
