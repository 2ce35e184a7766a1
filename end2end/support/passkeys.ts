import type { CDPSession, Page } from '@playwright/test';
import { servers } from './servers';

/**
 * The main instance as `http://localhost:<port>`: passkeys are made for the RP id `localhost`
 * (browsers refuse an IP address), and cookies are per host, so a passkey test stays on it.
 */
export const localhost = `http://localhost:${servers.main.port}`;

/** Chromium's virtual authenticator (CDP `WebAuthn`), attached to one page's browser context. */
export interface Authenticator {
  cdp: CDPSession;
  id: string;
}

/**
 * A platform authenticator with resident keys and user verification (a phone or a laptop's
 * screen lock) that answers at once: no prompt, the user present and verified.
 */
export async function addAuthenticator(page: Page): Promise<Authenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

export async function credentials(authenticator: Authenticator) {
  const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', {
    authenticatorId: authenticator.id,
  });
  return credentials;
}
