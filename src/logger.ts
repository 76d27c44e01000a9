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

export interface LoggerOptions {
  level: string;
  /** Log message text and personal data (off by default). */
  content: boolean;
  pretty: boolean;
  nodeId: string;
  /** Where JSON lines go (default stdout). */
  destination?: NodeJS.WritableStream;
}

/** The one root logger; everything else is a `child`. Secrets are always redacted, content unless enabled. */
export function createLogger(options: LoggerOptions): Logger {
  const redact = {
    paths: options.content ? SECRET_PATHS : [...SECRET_PATHS, ...CONTENT_PATHS],
    censor: '[redacted]',
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
