import type { Browser, Page } from '@playwright/test';
import {
  test,
  expect,
  freshEmail,
  newDevice,
  postLogin,
  signInQuickly,
  waitForHydration,
  type Account,
} from '../support/fixtures';
import { latestMail, linkTo, mailTo } from '../support/mail';

// An account takeover through the address, played end to end in the browser: someone holding the
// password (from another site's leak) moves the account to their own mailbox. Whether the owner
// acts before the change is confirmed or after, the owner ends with the account and the attacker
// with nothing.

const OWNERS_PASSWORD = 'the owner took the account back';
const ATTACKERS_PASSWORD = 'the attacker wants to keep it';

async function signedIn(device: Page): Promise<boolean> {
  return (await device.request.post('/api/me')).status() === 200;
}

/** The attacker, on a device of their own, signs in with the leaked password and asks for the move. */
async function attackerAsksToMove(browser: Browser, account: Account, to: string): Promise<Page> {
  const attacker = await newDevice(browser);
  await signInQuickly(attacker, account);
  await attacker.goto('/account');
  await waitForHydration(attacker);
  const form = attacker.getByTestId('change-email-form');
  await form.getByTestId('new_email-input').fill(to);
  await form.getByTestId('password-input').fill(account.password);
  await form.getByTestId('change-email-submit').click();
  await expect(attacker.getByTestId('change-email-mailed')).toBeVisible();
  return attacker;
}

/** Whoever has `address`'s mailbox gets no working way into any account. */
async function holdsNothing(browser: Browser, attacker: Page, address: string, password: string) {
  expect(await signedIn(attacker)).toBe(false);
  const device = await newDevice(browser);
  expect((await postLogin(device.request, { email: address, password })).status()).toBe(401);
  await device.context().close();
}

test('an owner who recovers before the change is confirmed leaves the attacker a dead link', async ({
  page,
  browser,
  account,
}) => {
  const mailbox = freshEmail('attacker');
  const attacker = await attackerAsksToMove(browser, account, mailbox);
  const notice = await latestMail(account.email);
  expect(notice.text).toContain(mailbox);

  // The owner follows the notice's advice: a reset from the sign-in page.
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByTestId('forgot-password-link').click();
  await waitForHydration(page);
  await page.getByTestId('email-input').fill(account.email);
  await page.getByTestId('forgot-password-submit').click();
  await expect(page.getByTestId('reset-requested')).toBeVisible();
  await page.goto(linkTo(await latestMail(account.email, 2), '/reset-password'));
  await waitForHydration(page);
  await page.getByTestId('password-input').fill(OWNERS_PASSWORD);
  await page.getByTestId('reset-password-submit').click();
  await expect(page).toHaveURL(/\/dashboard$/);

  // The attacker's link opens a dead page, and the address stays the owner's.
  await attacker.goto(linkTo(await latestMail(mailbox), '/verify-email'));
  await expect(attacker.getByTestId('link-invalid')).toBeVisible();
  await holdsNothing(browser, attacker, account.email, account.password);
  await page.reload();
  await expect(page.getByTestId('dashboard-email')).toHaveText(account.email);
  await attacker.context().close();
});

test('an owner whose address was moved away takes the account back from the mail it was told by', async ({
  page,
  browser,
  account,
}) => {
  const mailbox = freshEmail('attacker');
  const attacker = await attackerAsksToMove(browser, account, mailbox);
  // The attacker confirms, then makes the account theirs with a reset to their own mailbox.
  await attacker.goto(linkTo(await latestMail(mailbox), '/verify-email'));
  await waitForHydration(attacker);
  await attacker.getByTestId('verify-email-submit').click();
  await expect(attacker.getByTestId('email-verified')).toBeVisible();
  await attacker.goto('/forgot-password');
  await waitForHydration(attacker);
  await attacker.getByTestId('email-input').fill(mailbox);
  await attacker.getByTestId('forgot-password-submit').click();
  await expect(attacker.getByTestId('reset-requested')).toBeVisible();
  await attacker.goto(linkTo(await latestMail(mailbox, 2), '/reset-password'));
  await waitForHydration(attacker);
  await attacker.getByTestId('password-input').fill(ATTACKERS_PASSWORD);
  await attacker.getByTestId('reset-password-submit').click();
  await expect(attacker.getByTestId('dashboard-email')).toHaveText(mailbox);

  // The old address was told, after the notice of the request, with a way back that outlived
  // the attacker's reset.
  const told = await latestMail(account.email, 2);
  expect(told.text).toContain(mailbox);
  await page.goto(linkTo(told, '/undo-email-change'));
  await waitForHydration(page);
  await expect(page.getByTestId('undo-email-address')).toHaveText(account.email);
  await page.getByTestId('password-input').fill(OWNERS_PASSWORD);
  await page.getByTestId('undo-email-change-submit').click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('dashboard-email')).toHaveText(account.email);

  await holdsNothing(browser, attacker, mailbox, ATTACKERS_PASSWORD);
  // Every way the attacker had: the undo link is spent, and a reset to their mailbox finds no
  // account (checked once the owner's own reset mail, asked for after it, has arrived).
  await attacker.goto(linkTo(told, '/undo-email-change'));
  await expect(attacker.getByTestId('link-invalid')).toBeVisible();
  const mailsToAttacker = mailTo(mailbox).length;
  for (const email of [mailbox, account.email]) {
    const asked = await attacker.request.post('/api/request_password_reset', { form: { email } });
    expect(asked.status()).toBe(200);
  }
  await latestMail(account.email, 3);
  expect(mailTo(mailbox)).toHaveLength(mailsToAttacker);
  await attacker.context().close();
});
