import { test, expect, followLink, signIn, waitForHydration } from '../support/fixtures';

test('a guarded page sends a visitor to login and back to where they were going', async ({ page, account }) => {
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login\?next=\/dashboard$/);
  await signIn(page, account, page.url());
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(account.email);
});

test('a user gets a 403 page on /admin, typed in or reached by a link', async ({ userPage: page }) => {
  const response = await page.goto('/admin');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();

  await page.goto('/');
  await waitForHydration(page);
  await expect(page.getByTestId('nav-admin')).toHaveCount(0);
  await followLink(page, '/admin');
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByTestId('forbidden')).toBeVisible();
});

test('an admin sees the user list and can navigate there from the menu', async ({ loginAs }) => {
  const { account: user } = await loginAs('user');
  const { page, account: admin } = await loginAs('admin');
  await page.goto('/dashboard');
  await waitForHydration(page);
  await page.getByTestId('nav-admin').click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByTestId('users-table')).toBeVisible();
  // Both accounts are listed: the administrator's own row, and the other user's.
  await expect(page.locator(`[data-testid="user-row"][data-email="${admin.email}"]`)).toHaveCount(1);
  await expect(page.locator(`[data-testid="user-row"][data-email="${user.email}"]`)).toHaveCount(1);
});

test('a signed-out visitor following a link to a guarded page lands on login', async ({ page }) => {
  await page.goto('/');
  await waitForHydration(page);
  await followLink(page, '/dashboard', '/login');
  await expect(page).toHaveURL(/\/login\?next=\/dashboard$/);
});

test('hydration leaves the server-rendered signed-in header intact', async ({ userPage: page }) => {
  // Any console error or warning, or an uncaught error (a WASM panic is one), fails the test.
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  await page.goto('/dashboard');
  await waitForHydration(page);
  await expect(page.getByTestId('user-menu')).toBeVisible();
  await expect(page.getByTestId('user-role')).toHaveText('user');
  expect(errors).toEqual([]);
});
