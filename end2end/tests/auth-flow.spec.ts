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

test('the enhanced sign-in form shows its wait and its error in place, keeping what was typed', async ({ page, account }) => {
  await page.goto('/login');
  await waitForHydration(page);
  // A mark on this document: a page load would wipe it.
  await page.evaluate(() => document.body.setAttribute('data-same-document', 'yes'));
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/login', async (route) => {
    await held;
    await route.continue();
  });

  await page.getByTestId('email-input').fill(account.email);
  await page.getByTestId('password-input').fill('not my password');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('login-submit')).toBeDisabled();
  await expect(page.getByTestId('login-form')).toHaveAttribute('aria-busy', 'true');
  await expect(page.getByTestId('login-error')).toBeHidden();

  release();
  await expect(page.getByTestId('login-error')).toHaveText('Incorrect email or password.');
  await expect(page.getByTestId('login-submit')).toBeEnabled();
  await expect(page.getByTestId('login-form')).not.toHaveAttribute('aria-busy', 'true');
  await expect(page.getByTestId('email-input')).toHaveValue(account.email);
  await expect(page.locator('body')).toHaveAttribute('data-same-document', 'yes');
});

test('the enhanced sign-up form marks the field its error is about', async ({ page }) => {
  await page.goto('/register');
  await waitForHydration(page);
  await page.getByTestId('email-input').fill(freshEmail('short'));
  await page.getByTestId('password-input').fill('short');
  await page.getByTestId('register-submit').click();
  await expect(page.getByTestId('register-error')).toBeVisible();
  await expect(page.getByTestId('password-input')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('email-input')).toHaveAttribute('aria-invalid', 'false');
});

test('registering a taken email says so', async ({ page, account }) => {
  await page.goto('/register');
  await waitForHydration(page);
  await page.getByTestId('email-input').fill(account.email);
  await page.getByTestId('password-input').fill(PASSWORD);
  await page.getByTestId('register-submit').click();
  await expect(page.getByTestId('register-error')).toContainText('already exists');
});

test('the auth cookies are httpOnly, Lax, Secure and __Host- (so host-only, by the prefix)', async ({ userPage }) => {
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

test('a hostile next given to the enhanced login form never leaves this site', async ({ page, account }) => {
  // The enhanced form signs in with fetch, without a page-load POST.
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
