import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** Paths that may hold message text or contact data; censored unless content logging is on. */
const CONTENT_PATHS = [
  'text',
  '*.text',
  'userText',
  'email',
  '*.email',
  'name',
  '*.name',
  'phone',
  '*.phone',
  'lead',
  '*.lead',
];
const SECRET_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'token',
  '*.token',
];

/**
 * Ids that carry a person's phone number or messaging id (WhatsApp wa_id and wamid, Twilio WaId,
 * Telegram chat id, REST sender). Unless content logging is on they are logged as a keyed pseudonym: stable in one
 * data folder (so lines of one conversation still correlate), not reversible by brute force.
 */
const ID_PATHS = [
  'conversationId',
  '*.conversationId',
  'userId',
  '*.userId',
  'chatId',
  'waId',
  'to',
  'from',
  // Provider message ids can embed the number (a WhatsApp wamid holds it in base64).
  'messageId',
  '*.messageId',
  'inReplyTo',
];
/** Channels whose user ids are random session ids, not personal data: logged as they are. */
const ANONYMOUS_CHANNELS = new Set(['web', 'cli']);

function pseudonymiser(key: string) {
  const hash = (value: string) => `~${createHmac('sha256', key).update(value).digest('hex').slice(0, 12)}`;
  return (value: unknown, path: string[]): unknown => {
    if (typeof value !== 'string' && typeof value !== 'number') return value;
    const text = String(value);
    if (path[path.length - 1] === 'conversationId') {
      const [tenant, channel, ...rest] = text.split(':');
      if (channel === undefined || rest.length === 0) return hash(text);
      return ANONYMOUS_CHANNELS.has(channel) ? text : `${tenant}:${channel}:${hash(rest.join(':'))}`;
    }
    return hash(text);
  };
}

/** The key for log pseudonyms, kept in `<dataDir>/log-key` (created on first use). */
export function logKeyFor(dataDir: string): string {
  const file = join(dataDir, 'log-key');
  try {
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const key = randomBytes(32).toString('hex');
    writeFileSync(file, key, { mode: 0o600 });
    return key;
  } catch {
    // Unwritable data folder: the store will say so; pseudonyms just do not survive restarts.
    return randomBytes(32).toString('hex');
  }
}

export interface LoggerOptions {
  level: string;
  /** Log message text and personal data (off by default). */
  content: boolean;
  pretty: boolean;
  nodeId: string;
  /** Where JSON lines go (default stdout). */
  destination?: NodeJS.WritableStream;
  /** Key for pseudonymous ids in logs (see `logKeyFor`); random per process when absent. */
  idKey?: string;
}

/** The one root logger; everything else is a `child`. Secrets are always redacted, content unless enabled. */
export function createLogger(options: LoggerOptions): Logger {
  const pseudonym = pseudonymiser(options.idKey ?? randomBytes(32).toString('hex'));
  const redact = {
    paths: options.content ? SECRET_PATHS : [...SECRET_PATHS, ...CONTENT_PATHS, ...ID_PATHS],
    censor: (value: unknown, path: string[]) =>
      ID_PATHS.some((p) => p.replace('*.', '') === path[path.length - 1]) &&
      !SECRET_PATHS.includes(path.join('.'))
        ? pseudonym(value, path)
        : '[redacted]',
  };
  const base = { node: options.nodeId };
  if (options.pretty) {
    return pino({
      level: options.level,
      redact,
      base,
      transport: { target: 'pino-pretty', options: { colorize: true } },
    });
  }
  return options.destination
    ? pino({ level: options.level, redact, base }, options.destination as pino.DestinationStream)
    : pino({ level: options.level, redact, base });
}
