import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Leadbot } from '../../src/main.ts';
import { originAllowed } from '../../src/channels/web.ts';
import { tenantsFolder } from '../helpers/tenants.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';

/** Opens the chat socket as a browser page at `origin` would: the upgrade's status, or 101. */
function open(url: string, tenant: string, origin?: string): Promise<number> {
  const target = new URL('/ws', url.replace(/^http/, 'ws'));
  target.searchParams.set('tenant', tenant);
  target.searchParams.set('session', `origin-${Math.random().toString(36).slice(2)}`);
  const socket = new WebSocket(target, origin ? { origin } : {});
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', () => resolve(0));
  });
}

describe('web chat origins', () => {
  let node: Leadbot & { url: string };
  beforeAll(async () => {
    const dir = tenantsFolder({ shop: { allowedOrigins: ['https://www.shop.example'] } });
    node = await startTestLeadbot({ LEADBOT_TENANTS_DIR: dir });
  });
  afterAll(() => node.close());

  it('a tenant with allowedOrigins: its site opens the chat, any other page gets 403 before the upgrade', async () => {
    expect(await open(node.url, 'shop', 'https://www.shop.example')).toBe(101);
    expect(await open(node.url, 'shop', 'https://evil.example')).toBe(403);
    expect(await open(node.url, 'shop', 'https://www.shop.example.evil.example')).toBe(403);
  });

  it('by default: the server’s own pages and localhost, not other sites; clients without Origin are not limited', async () => {
    expect(await open(node.url, 'demo', new URL(node.url).origin)).toBe(101);
    expect(await open(node.url, 'demo', 'http://localhost:5173')).toBe(101);
    expect(await open(node.url, 'demo', 'https://evil.example')).toBe(403);
    expect(await open(node.url, 'demo')).toBe(101);
  });

  it('matches origins exactly (scheme, host and port)', () => {
    expect(originAllowed('https://a.example', 'bot.example', ['https://a.example'])).toBe(true);
    expect(originAllowed('http://a.example', 'bot.example', ['https://a.example'])).toBe(false);
    expect(originAllowed('https://a.example:8443', 'bot.example', ['https://a.example'])).toBe(false);
    expect(originAllowed('https://anything.example', 'bot.example', ['*'])).toBe(true);
    expect(originAllowed('https://bot.example', 'bot.example', undefined)).toBe(true);
    expect(originAllowed('http://127.0.0.1:3000', 'bot.example', undefined)).toBe(true);
    expect(originAllowed('null', 'bot.example', undefined)).toBe(false);
  });
});
