import { test, expect, waitForHydration } from '../support/fixtures';

// The Content-Security-Policy as Chromium enforces it: the page's own scripts (the inline page
// script, the bundle's loader it starts, the WASM) run; a script injected without the page's
// nonce does not.
test('an injected script is refused while the page and its islands still work', async ({ userPage: page }) => {
  const refusals: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('Content Security Policy')) refusals.push(message.text());
  });
  await page.goto('/account');
  await waitForHydration(page);
  expect(refusals, 'the page itself breaks no rule').toEqual([]);

  const outcome = await page.evaluate(async () => {
    const refused = new Promise<string>((resolve) =>
      document.addEventListener('securitypolicyviolation', (event) => resolve(event.effectiveDirective), { once: true }),
    );
    const script = document.createElement('script');
    script.textContent = 'window.__injected = true;';
    document.body.append(script);
    return { directive: await refused, ran: (window as { __injected?: boolean }).__injected === true };
  });
  expect(outcome).toEqual({ directive: 'script-src-elem', ran: false });
});

test('the site refuses to be framed', async ({ page }) => {
  const response = await page.goto('/login');
  expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  const login = page.url();
  // setContent waits for the document's load event, which waits for the frame to finish.
  await page.setContent(`<iframe src="${login}"></iframe>`);
  const frame = page.frames()[1];
  expect(frame.url()).not.toBe(login);
  await expect(frame.getByTestId('login-form')).toHaveCount(0);
});
