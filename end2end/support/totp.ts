import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(secret: string): Buffer {
  let bits = '';
  for (const c of secret.replace(/[\s=-]/g, '').toUpperCase()) {
    bits += ALPHABET.indexOf(c).toString(2).padStart(5, '0');
  }
  return Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
}

/**
 * The code an authenticator app shows for `secret` (base32, as the set-up page prints it) at
 * `at` (Unix ms): RFC 6238, HMAC-SHA-1, 30-second steps, 6 digits. A second sign-in within the
 * same 30 seconds uses `totp(secret, Date.now() + 30_000)`, the next step, which the server
 * accepts, instead of waiting for it.
 */
export function totp(secret: string, at = Date.now(), step = 30, digits = 6): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / step)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits).toString().padStart(digits, '0');
}
