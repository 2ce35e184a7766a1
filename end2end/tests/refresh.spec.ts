import {
  test,
  expect,
  createAccount,
  signInQuickly,
  waitForAccessTokenToLapse,
  waitForHydration,
} from '../support/fixtures';
import { servers } from '../support/servers';

// Access tokens on this instance live two seconds: the tests wait for the cookie to lapse.
test.use({ baseURL: servers.shortLived.url });

test('an expired access token is refreshed on the next page load without a bounce to login', async ({ page }) => {
  const account = createAccount('user', servers.shortLived);
  await signInQuickly(page, account);
  const before = await page.context().cookies();
  const refreshBefore = before.find((c) => c.name === '__Host-refresh_token')?.value;

  await waitForAccessTokenToLapse(page);
  const response = await page.goto('/dashboard');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(account.email);

  const after = await page.context().cookies();
  expect(after.find((c) => c.name === '__Host-refresh_token')?.value).not.toBe(refreshBefore);
  expect(after.find((c) => c.name === '__Host-access_token')).toBeDefined();
});

test('a hydrated form keeps working after its access token expires', async ({ page }) => {
  const account = createAccount('user', servers.shortLived);
  await signInQuickly(page, account);
  await page.goto('/account');
  await waitForHydration(page);
  await waitForAccessTokenToLapse(page);

  // The island calls its server function with only the refresh cookie left: the server rotates
  // the session on that call and answers it, without a bounce to the login page.
  await page.getByTestId('logout-others-button').click();
  await expect(page.getByTestId('logout-others-done')).toBeVisible();
  await expect(page).toHaveURL(/\/account$/);
  expect((await page.context().cookies()).some((c) => c.name === '__Host-access_token')).toBe(true);
});
