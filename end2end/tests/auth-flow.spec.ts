import { test, expect, freshEmail, PASSWORD, signIn, signInQuickly, waitForHydration } from '../support/fixtures';
import { servers } from '../support/servers';

test('a visitor registers, sees the dashboard, signs out and signs back in', async ({ page }) => {
  const email = freshEmail('flow');
  await page.goto('/register');
  await waitForHydration(page);
  await page.getByTestId('email-input').fill(email);
  await page.getByTestId('password-input').fill(PASSWORD);
  await page.getByTestId('register-submit').click();

  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(email);
  await expect(page.getByTestId('user-menu')).toBeVisible();

  await page.getByTestId('logout-button').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('nav-login')).toBeVisible();
  const cookies = await page.context().cookies();
  expect(cookies.filter((c) => c.name.includes('token'))).toEqual([]);

  // Signed out for real: the dashboard now sends us to the login page.
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login\?next=\/dashboard$/);

  await signIn(page, { email, password: PASSWORD }, '/login?next=/dashboard');
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(email);
});

test('a wrong password shows a clear message next to the form', async ({ page, account }) => {
  await signIn(page, { email: account.email, password: 'not my password' });
  await expect(page.getByTestId('login-error')).toHaveText('Incorrect email or password.');
  await expect(page).toHaveURL(/\/login/);
});

test('registering a taken email says so', async ({ page, account }) => {
  await page.goto('/register');
  await waitForHydration(page);
  await page.getByTestId('email-input').fill(account.email);
  await page.getByTestId('password-input').fill(PASSWORD);
  await page.getByTestId('register-submit').click();
  await expect(page.getByTestId('register-error')).toContainText('already exists');
});

test('the auth cookies are httpOnly, Lax and host-only', async ({ userPage }) => {
  const cookies = (await userPage.context().cookies()).filter((c) => c.name.includes('token'));
  expect(cookies.map((c) => c.name).sort()).toEqual(['__Host-access_token', '__Host-refresh_token']);
  for (const cookie of cookies) {
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.secure).toBe(true);
    expect(cookie.path).toBe('/');
  }
});

test('signing out everywhere ends the session in another browser too', async ({ browser, account }) => {
  const laptop = await (await browser.newContext({ baseURL: servers.main.url })).newPage();
  const phone = await (await browser.newContext({ baseURL: servers.main.url })).newPage();
  await signInQuickly(laptop, account);
  await signInQuickly(phone, account);
  expect((await phone.request.post('/api/me')).status()).toBe(200);

  await laptop.goto('/dashboard');
  await waitForHydration(laptop);
  await laptop.getByTestId('logout-all-button').click();
  await expect(laptop).toHaveURL(/\/$/);
  await expect(laptop.getByTestId('nav-login')).toBeVisible();

  // The phone's session is over: server functions refuse it and it cannot refresh.
  expect((await phone.request.post('/api/me')).status()).toBe(401);
  expect((await phone.request.post('/api/refresh')).status()).toBe(401);
});

test('a hostile next given to the hydrated login form never leaves this site', async ({ page, account }) => {
  // The hydrated form signs in through the server function, without a page-load POST.
  const formPosts: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.method() === 'POST') formPosts.push(request.url());
  });
  const origin = new URL(servers.main.url).origin;
  for (const next of ['//evil.example', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
    await page.context().clearCookies();
    await signIn(page, account, `/login?next=${encodeURIComponent(next)}`);
    await expect(page).toHaveURL(`${origin}/dashboard`);
    await expect(page.getByTestId('dashboard-email')).toHaveText(account.email);
  }
  expect(formPosts).toEqual([]);
});
