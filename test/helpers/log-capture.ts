import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.ts';

/** A logger whose JSON lines the test can read: `lines` (parsed, live) and `text()` (raw). */
export function capturingLogger(options: { level?: string; nodeId?: string; content?: boolean } = {}): {
  logger: Logger;
  lines: Record<string, unknown>[];
  text: () => string;
  clear: () => void;
} {
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString('utf8');
      raw += text;
      for (const line of text.split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({
    level: options.level ?? 'debug',
    content: options.content ?? false,
    pretty: false,
    nodeId: options.nodeId ?? 'test',
    destination,
  });
  return {
    logger,
    lines,
    text: () => raw,
    clear: () => {
      raw = '';
      lines.length = 0;
    },
  };
}
