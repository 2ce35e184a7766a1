import { defineConfig, devices } from '@playwright/test';
import { servers } from './support/servers';
import chromium from './support/chromium.json';

/**
 * The suite runs against the real built app (`cargo leptos build`), started here twice on
 * fresh databases: one instance with default lifetimes, and one whose access tokens live two
 * seconds, for the transparent-refresh tests. Chromium is Debian's; nothing is downloaded.
 */
export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  // A `test.only` left in a spec would silently skip the rest of the suite in CI.
  forbidOnly: !!process.env.CI,
  workers: process.env.CI ? 2 : 2,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: servers.main.url,
    trace: 'retain-on-failure',
    // Debian's Chromium and its flags, shared with the benchmark's browser (end2end/perf).
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? chromium.executablePath,
      args: chromium.args,
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: Object.values(servers).map((server) => ({
    command: `bash ../scripts/e2e-server.sh ${server.port} ${server.name} ${server.env.join(' ')}`,
    url: `${server.url}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  })),
});
