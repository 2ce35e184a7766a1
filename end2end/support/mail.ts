import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@playwright/test';
import { servers, type AppServer } from './servers';

/** A mail as its recipient reads it: headers and the decoded text part. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The origin of the server that wrote it: its links must point there. */
  site: string;
}

/** Every mail `server` has written so far, oldest first (file names start with the time). */
function outbox(server: AppServer): Mail[] {
  let names: string[];
  try {
    names = readdirSync(server.outbox).filter((name) => name.endsWith('.eml'));
  } catch {
    return [];
  }
  const order = (name: string) => name.replace('.eml', '').split('-').map(Number);
  names.sort((a, b) => {
    const [ma, ia] = order(a);
    const [mb, ib] = order(b);
    return ma - mb || ia - ib;
  });
  return names.map((name) => ({
    ...parse(readFileSync(path.join(server.outbox, name), 'utf8')),
    site: new URL(server.url).origin,
  }));
}

function parse(raw: string): Omit<Mail, 'site'> {
  const message = raw.replace(/\r\n/g, '\n');
  const [head] = message.split('\n\n');
  const header = (name: string) =>
    head.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2).trim() ?? '';
  const to = header('To').replace(/^.*<(.*)>$/, '$1');
  return { to, subject: header('Subject'), text: textPart(message) };
}

/** The text/plain part's body, decoded from quoted-printable when it is encoded so. */
function textPart(message: string): string {
  const start = message.indexOf('Content-Type: text/plain');
  if (start < 0) return '';
  const part = message.slice(start);
  const split = part.indexOf('\n\n');
  const headers = part.slice(0, split);
  const body = part.slice(split + 2).split('\n--')[0];
  if (!headers.includes('quoted-printable')) return body;
  const bytes = body
    .replace(/=\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Every mail to `address` so far, oldest first. */
export function mailTo(address: string, server: AppServer = servers.main): Mail[] {
  return outbox(server).filter((mail) => mail.to === address);
}

/**
 * The newest mail to `address`, waiting until there are at least `count` of them (the app sends
 * in the background, within moments).
 */
export async function latestMail(address: string, count = 1, server: AppServer = servers.main): Promise<Mail> {
  await expect
    .poll(() => outbox(server).filter((mail) => mail.to === address).length, {
      message: `mail #${count} to ${address}`,
      timeout: 10_000,
    })
    .toBeGreaterThanOrEqual(count);
  return outbox(server)
    .filter((mail) => mail.to === address)
    .at(-1)!;
}

/**
 * The path and query of the link to `page` in `mail`, to open on the server under test; the link
 * must point at the server that wrote the mail, not merely have the right path.
 */
export function linkTo(mail: Mail, page: string): string {
  const link = mail.text.split(/\s+/).find((word) => word.startsWith('http') && word.includes(page));
  expect(link, `a link to ${page} in: ${mail.text}`).toBeTruthy();
  const url = new URL(link!);
  expect(url.origin, `the origin of ${link}`).toBe(mail.site);
  return url.pathname + url.search;
}
