import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

const REST_TOKEN = 'rest-token-limits-01';

function settingsFile(server: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'leadbot-limits-')), 'settings.json');
  writeFileSync(file, JSON.stringify({ server }));
  return file;
}

describe('per-source limits: one flooding client does not crowd out everyone else', () => {
  let node: (Leadbot & { url: string }) | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });
  const post = (sender: string, headers: Record<string, string> = {}) =>
    fetch(`${node!.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${REST_TOKEN}`, ...headers },
      body: JSON.stringify({ sender, message: 'Hola, quiero cotizar rutas' }),
    });

  it('REST: a source over its calls a minute gets 429 with Retry-After and nothing is stored; another source is answered', async () => {
    const config = settingsFile({ trustProxy: ['127.0.0.1'], sourceLimits: { restMessagesPerMinute: 12 } });
    node = await startTestLeadbot({ LEADBOT_CONFIG: config, LEADBOT_REST_TOKEN: REST_TOKEN });
    const flood = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await post(`made-up-${i}`, flood)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(12);
    expect(statuses.slice(12)).toEqual([429, 429, 429]);
    const refused = await post('made-up-99', flood);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect((await node.store.stats()).conversations).toBe(12);
    // A prospect behind another address is answered as usual.
    const other = await post('real-prospect', { 'x-forwarded-for': '198.51.100.20' });
    expect(other.status).toBe(200);
    expect(((await other.json()) as { text: string }[])[0]!.text).not.toMatch(/muchos mensajes/);
  });

  it('REST: without trustProxy a forged X-Forwarded-For does not buy a fresh allowance', async () => {
    node = await startTestLeadbot({
      LEADBOT_CONFIG: settingsFile({ sourceLimits: { restMessagesPerMinute: 3, exemptLoopback: false } }),
      LEADBOT_REST_TOKEN: REST_TOKEN,
    });
    for (let i = 0; i < 3; i++)
      expect((await post(`s-${i}`, { 'x-forwarded-for': `10.0.0.${i}` })).status).toBe(200);
    expect((await post('s-9', { 'x-forwarded-for': '10.0.0.9' })).status).toBe(429);
  });

  it('loopback clients (a load test on the host) are not limited unless asked', async () => {
    node = await startTestLeadbot({
      LEADBOT_CONFIG: settingsFile({ sourceLimits: { restMessagesPerMinute: 2 } }),
      LEADBOT_REST_TOKEN: REST_TOKEN,
    });
    for (let i = 0; i < 4; i++) expect((await post(`local-${i}`)).status).toBe(200);
  });

  it('behind a reverse proxy (trustProxy) a loopback server is public: anonymous REST refuses to start', async () => {
    await expect(startTestLeadbot({ LEADBOT_CONFIG: settingsFile({ trustProxy: true }) })).rejects.toThrow(
      /behind a reverse proxy .*has no token/,
    );
  });

  it('widget: past its sessions a minute a source is told kindly to retry (1013); another source chats', async () => {
    const config = settingsFile({ trustProxy: true, sourceLimits: { webSessionsPerMinute: 2 } });
    node = await startTestLeadbot({ LEADBOT_CONFIG: config, LEADBOT_REST_TOKEN: REST_TOKEN });
    const flood = { 'x-forwarded-for': '203.0.113.9' };
    const open: WsClient[] = [];
    for (let i = 0; i < 2; i++)
      open.push(await WsClient.connect(node.url, { tenant: 'demo', session: `f${i}` }, flood));
    const refused = await WsClient.connect(node.url, { tenant: 'demo', session: 'f2' }, flood);
    expect(await refused.next('error')).toMatchObject({ code: 'rate_limited' });
    await expect(refused.next('reply', 2000)).rejects.toThrow(/closed \(1013\)/);
    const other = await WsClient.connect(
      node.url,
      { tenant: 'demo', session: 'p1' },
      {
        'x-forwarded-for': '198.51.100.30',
      },
    );
    const r = await other.say('Hola, necesito planificar rutas para 8 camiones');
    expect(r.text).toMatch(/\?/);
    for (const ws of [...open, other]) await ws.close();
  });
});
