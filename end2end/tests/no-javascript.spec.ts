import { test, expect, freshEmail, PASSWORD } from '../support/fixtures';

// Every form must work as plain HTML: the same flows with JavaScript turned off.
test.use({ javaScriptEnabled: false });

test('register, dashboard, sign out and sign in work without JavaScript', async ({ page }) => {
  const email = freshEmail('nojs');
  await page.goto('/register');
  await page.getByTestId('email-input').fill(email);
  await page.getByTestId('password-input').fill(PASSWORD);
  await page.getByTestId('register-submit').click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(email);

  await page.getByTestId('logout-button').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('nav-login')).toBeVisible();

  await page.goto('/admin');
  await expect(page).toHaveURL(/\/login\?next=\/admin$/);
  await page.goto('/login?next=/dashboard');
  await page.getByTestId('email-input').fill(email);
  await page.getByTestId('password-input').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(email);
});

test('a failed sign-in without JavaScript shows the error next to the form', async ({ page }) => {
  await page.goto('/login');
  await page.getByTestId('email-input').fill(freshEmail('nobody'));
  await page.getByTestId('password-input').fill('wrong password');
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByTestId('login-error')).toHaveText('Incorrect email or password.');
});
