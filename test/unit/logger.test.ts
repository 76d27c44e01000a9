import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logKeyFor } from '../../src/logger.ts';

function capture(content: boolean, idKey = 'test-key') {
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      out += chunk.toString();
      cb();
    },
  });
  const log = createLogger({ level: 'info', content, pretty: false, nodeId: 'n', destination, idKey });
  return {
    log,
    lines: () =>
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('logger privacy', () => {
  it('phone-based ids become keyed pseudonyms; text and contact data are redacted; web session ids stay', () => {
    const { log, lines } = capture(false);
    log
      .child({ conversationId: 'demo:whatsapp:5215512345678' })
      .info({ userId: '5215512345678', text: 'hola', email: 'a@b.mx', to: '+5215512345678' }, 'turn');
    log.info({ conversationId: 'demo:web:s_abc' }, 'web');
    const [turn, web] = lines();
    expect(JSON.stringify(turn)).not.toMatch(/5215512345678|hola|a@b\.mx/);
    expect(turn!.conversationId).toMatch(/^demo:whatsapp:~[0-9a-f]{12}$/);
    expect(turn!.userId).toMatch(/^~[0-9a-f]{12}$/);
    expect(turn!.text).toBe('[redacted]');
    expect(web!.conversationId).toBe('demo:web:s_abc');
  });

  it('pseudonyms are stable for one key and differ across keys', () => {
    const a = capture(false, 'k1');
    const b = capture(false, 'k2');
    for (const { log } of [a, b, a]) log.info({ userId: '+34600111222' }, 'x');
    const [first, second] = a.lines();
    expect(first!.userId).toBe(second!.userId);
    expect(b.lines()[0]!.userId).not.toBe(first!.userId);
  });

  it('with content logging on, ids and text are kept (secrets never)', () => {
    const { log, lines } = capture(true);
    log.info({ conversationId: 'demo:twilio:34600111222', text: 'hola', token: 's3cret' }, 'x');
    expect(lines()[0]).toMatchObject({
      conversationId: 'demo:twilio:34600111222',
      text: 'hola',
      token: '[redacted]',
    });
  });

  it('the key lives in the data folder and is reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-logkey-'));
    const key = logKeyFor(dir);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(logKeyFor(dir)).toBe(key);
    expect(readFileSync(join(dir, 'log-key'), 'utf8')).toBe(key);
  });
});
