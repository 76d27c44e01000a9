import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Time-sortable unique id (ULID layout: 48-bit ms timestamp + 80 random bits, Crockford base32),
 * so leads list in creation order. Uses the crypto RNG, never `Math.random`.
 */
export function newId(prefix = '', now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[bytes[i]! % 32]!;
  return prefix + time + rand;
}

/** The one lead of a conversation: a stable id derived from the conversation id. */
export function leadIdFor(conversationId: string): string {
  const digest = createHash('sha256').update(conversationId).digest();
  let id = '';
  for (let k = 0; k < 20; k++) id += ALPHABET[digest[k]! % 32]!;
  return `lead_${id}`;
}
