import { test, expect, signIn, waitForHydration } from '../support/fixtures';

// Run on every build, and the one check the release build gets in CI (E2E_PROFILE=release):
// what a first visitor meets must work with the bundle as shipped.
test('signs in through the enhanced form without WASM, then hydrates the dashboard and signs out through it, with a clean console', async ({
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
  const wasmLoadedOn: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.endsWith('.wasm')) wasmLoadedOn.push(new URL(page.url()).pathname);
  });

  await signIn(page, account);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(account.email);
  // The sign-in page has no island, so it asked for no WASM; the dashboard has islands.
  await waitForHydration(page);
  expect(wasmLoadedOn).toEqual(['/dashboard']);

  await page.getByTestId('logout-button').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('nav-login')).toBeVisible();

  expect(pageLoadPosts, 'the enhanced form signs in without a page-load POST').toEqual([]);
  expect(problems).toEqual([]);
});
