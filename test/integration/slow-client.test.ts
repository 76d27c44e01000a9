import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';

describe('slow clients cannot hold connections open', () => {
  let node: Leadbot & { url: string };
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'leadbot-slow-')), 'settings.json');
    writeFileSync(file, JSON.stringify({ server: { requestTimeoutMs: 2000, headersTimeoutMs: 1500 } }));
    node = await startTestLeadbot({ LEADBOT_CONFIG: file });
  });
  afterAll(() => node.close());

  /** Opens a raw connection, writes `first`, then one byte a second; resolves with what came back once closed. */
  const dribble = (first: string) =>
    new Promise<{ response: string; closed: boolean }>((resolve) => {
      const { port } = new URL(node.url);
      const socket = connect(Number(port), '127.0.0.1');
      let response = '';
      const timer = setInterval(() => socket.write('a'), 1000);
      const giveUp = setTimeout(() => {
        clearInterval(timer);
        socket.destroy();
        resolve({ response, closed: false });
      }, 12_000);
      socket.on('data', (d: Buffer) => (response += d.toString()));
      socket.on('close', () => {
        clearInterval(timer);
        clearTimeout(giveUp);
        resolve({ response, closed: true });
      });
      socket.on('error', () => undefined);
      socket.write(first);
    });

  it('a body sent a byte a second is cut off with 408', async () => {
    const result = await dribble(
      'POST /webhooks/rest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"sender":"slow","message":"',
    );
    expect(result.closed).toBe(true);
    expect(result.response).toMatch(/^HTTP\/1\.1 408/);
  }, 20_000);

  it('headers that never end are cut off too', async () => {
    const result = await dribble('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(result.closed).toBe(true);
  }, 20_000);

  it('a normal request is unaffected', async () => {
    const res = await fetch(`${node.url}/health`);
    expect(res.status).toBe(200);
  });
});
