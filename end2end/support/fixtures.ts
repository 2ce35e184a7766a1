import {
  test as base,
  expect,
  type APIRequestContext,
  type APIResponse,
  type Browser,
  type Page,
} from '@playwright/test';
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

/** A role of the app (`Role::ALL` in app/src/auth/mod.rs). */
export type Role = 'user' | 'admin';

/** Creates an account through the server's own CLI, as an operator would. */
export function createAccount(role: Role, server: AppServer = servers.main): Account {
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
 * Follows a link to `path` from whatever page is open, as a person clicking it would, and waits
 * until the browser shows `landsOn` (the path itself unless a guard sends the visitor elsewhere).
 * Pages render on the server only, so every link is a page request that the server guards.
 */
export async function followLink(page: Page, path: string, landsOn = path): Promise<void> {
  await page.evaluate((href) => {
    const link = document.createElement('a');
    link.href = href;
    link.id = 'followed-link';
    link.textContent = href;
    document.body.appendChild(link);
  }, path);
  await page.click('#followed-link');
  await page.waitForURL((url) => url.pathname === landsOn);
}

/** Signs in through the login form, as a person would. */
export async function signIn(page: Page, account: Account, path = '/login'): Promise<void> {
  await page.goto(path);
  await waitForHydration(page);
  await page.getByTestId('email-input').fill(account.email);
  await page.getByTestId('password-input').fill(account.password);
  await page.getByTestId('login-submit').click();
}

/**
 * Posts a sign-in as a polite client does: when the server sheds it under load (503, as two
 * workers signing in at once on a busy machine can cause), it waits the `Retry-After` the server
 * gave and tries again, a few times at most. Returns the final answer.
 */
export async function postLogin(request: APIRequestContext, account: Account): Promise<APIResponse> {
  for (let attempt = 1; ; attempt++) {
    const response = await request.post('/api/login', {
      form: { email: account.email, password: account.password },
    });
    if (response.status() !== 503 || attempt === 5) return response;
    const seconds = Number(response.headers()['retry-after'] ?? '1');
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

/** Signs in through the API (fast), sharing cookies with the page. */
export async function signInQuickly(page: Page, account: Account): Promise<void> {
  expect((await postLogin(page.request, account)).status()).toBe(200);
}

/** A page in a browser context of its own (another device), on `server`. */
export async function newDevice(browser: Browser, server: AppServer = servers.main): Promise<Page> {
  const context = await browser.newContext({ baseURL: server.url });
  return context.newPage();
}

/** Waits until the page's access cookie has lapsed (its `Max-Age` is the token's lifetime). */
export async function waitForAccessTokenToLapse(page: Page): Promise<void> {
  await expect
    .poll(async () => (await page.context().cookies()).some((c) => c.name === ACCESS_COOKIE), {
      timeout: 15_000,
    })
    .toBe(false);
}

export const ACCESS_COOKIE = '__Host-access_token';
export const REFRESH_COOKIE = '__Host-refresh_token';

/** A signed-in browser: its page (in a context of its own) and its fresh account. */
export interface SignedIn {
  page: Page;
  account: Account;
}

interface Fixtures {
  /** A fresh user account, not signed in. */
  account: Account;
  /**
   * Signs a fresh account with `role` in, in a browser context of its own, on `server` (the main
   * instance by default). Each call is another person on another device.
   */
  loginAs: (role: Role, server?: AppServer) => Promise<SignedIn>;
  /** A page signed in as a fresh user, in a context of its own. */
  userPage: Page;
  /** A page signed in as a fresh administrator, in a context of its own. */
  adminPage: Page;
}

export const test = base.extend<Fixtures>({
  account: async ({}, use) => {
    await use(createAccount('user'));
  },
  loginAs: async ({ browser }, use) => {
    const pages: Page[] = [];
    await use(async (role, server = servers.main) => {
      const account = createAccount(role, server);
      const page = await newDevice(browser, server);
      pages.push(page);
      await signInQuickly(page, account);
      return { page, account };
    });
    for (const page of pages) await page.context().close();
  },
  userPage: async ({ loginAs }, use) => {
    await use((await loginAs('user')).page);
  },
  adminPage: async ({ loginAs }, use) => {
    await use((await loginAs('admin')).page);
  },
});

export { expect };
