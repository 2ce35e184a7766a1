import { test as base, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { repositoryRoot, serverBinary, servers, type AppServer } from './servers';

export const PASSWORD = 'correct horse battery staple';

export interface Account {
  email: string;
  password: string;
}

/** A unique, never-registered email. */
export function freshEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID()}@example.com`;
}

/** Creates an account through the server's own CLI, as an operator would. */
export function createAccount(role: 'user' | 'admin', server: AppServer = servers.main): Account {
  const email = freshEmail(role);
  execFileSync(serverBinary, ['user', 'create', '--email', email, '--password', PASSWORD, '--role', role], {
    cwd: repositoryRoot,
    env: { ...process.env, APP_ENV: 'test', DATABASE_URL: server.databaseUrl, RUST_LOG: 'error' },
    stdio: 'pipe',
  });
  return { email, password: PASSWORD };
}

/** Waits until the WASM has hydrated the page, so clicks are handled by the app. */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

/**
 * Follows an in-app link to `path` and checks the router handled it in the page (a full page
 * load would wipe the marker set on `window` first).
 */
export async function navigateInApp(page: Page, path: string): Promise<void> {
  await page.evaluate((href) => {
    (window as unknown as { inAppMarker: boolean }).inAppMarker = true;
    const link = document.createElement('a');
    link.href = href;
    link.id = 'in-app-link';
    link.textContent = href;
    document.body.appendChild(link);
  }, path);
  await page.click('#in-app-link');
  await page.waitForURL((url) => url.pathname !== '/' || path === '/');
  const stillSamePage = await page.evaluate(
    () => (window as unknown as { inAppMarker?: boolean }).inAppMarker === true,
  );
  expect(stillSamePage, 'navigation stayed inside the hydrated app').toBe(true);
}

/** Signs in through the login form, as a person would. */
export async function signIn(page: Page, account: Account, path = '/login'): Promise<void> {
  await page.goto(path);
  await waitForHydration(page);
  await page.getByTestId('email-input').fill(account.email);
  await page.getByTestId('password-input').fill(account.password);
  await page.getByTestId('login-submit').click();
}

/** Signs in through the API (fast), sharing cookies with the page. */
export async function signInQuickly(page: Page, account: Account): Promise<void> {
  const response = await page.request.post('/api/login', {
    form: { email: account.email, password: account.password },
  });
  expect(response.status()).toBe(200);
}

interface Fixtures {
  /** A fresh user account, not signed in. */
  account: Account;
  /** A page signed in as a fresh user. */
  userPage: Page;
  /** A page signed in as a fresh administrator. */
  adminPage: Page;
}

interface WorkerFixtures {
  /** One account per worker, for tests that only read. */
  workerAccount: Account;
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  workerAccount: [
    async ({}, use) => {
      await use(createAccount('user'));
    },
    { scope: 'worker' },
  ],
  account: async ({}, use) => {
    await use(createAccount('user'));
  },
  userPage: async ({ page, account }, use) => {
    await signInQuickly(page, account);
    await use(page);
  },
  adminPage: async ({ page }, use) => {
    await signInQuickly(page, createAccount('admin'));
    await use(page);
  },
});

export { expect };
