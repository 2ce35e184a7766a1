import { test, expect, signIn } from '../support/fixtures';

// Run on every build, and the one check the release build gets in CI (E2E_PROFILE=release):
// what a first visitor meets must work with the bundle as shipped.
test('the app hydrates, signs in through the hydrated form and out again, with a clean console', async ({
  page,
  account,
}) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  const pageLoadPosts: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.method() === 'POST') pageLoadPosts.push(request.url());
  });

  await signIn(page, account);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(account.email);

  await page.getByTestId('logout-button').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('nav-login')).toBeVisible();

  expect(pageLoadPosts, 'the hydrated form signs in without a page load').toEqual([]);
  expect(problems).toEqual([]);
});
