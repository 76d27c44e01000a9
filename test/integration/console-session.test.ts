import { afterEach, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { ADMIN_TOKEN, startTestLeadbot } from '../helpers/in-process.ts';

const MARTA = 'marta-console-token-0001';
const OUTAGE =
  'Hola, soy Luis Pérez de Rutas MX, luis@rutas.mx. Se cayó todo el sistema, no podemos facturar y es urgente';

let node: (Leadbot & { url: string }) | undefined;
afterEach(async () => {
  await node?.close();
  node = undefined;
});

async function login(token: string, name?: string) {
  const res = await fetch(`${node!.url}/console/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, ...(name ? { name } : {}) }),
  });
  const cookie = res.headers.get('set-cookie') ?? '';
  return {
    status: res.status,
    cookie: cookie.split(';')[0]!,
    setCookie: cookie,
    body: (await res.json()) as Record<string, unknown>,
  };
}

/** Reads Server-Sent Events until `want` of them arrived. */
async function readEvents(url: string, cookie: string, want: number, during: () => Promise<void>) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { cookie }, signal: controller.signal });
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  const events: { event: string; data: unknown }[] = [];
  let buffer = '';
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += new TextDecoder().decode(value as Uint8Array);
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as unknown });
      }
      if (events.length >= want) return;
    }
  })();
  await during();
  await Promise.race([reading, new Promise((r) => setTimeout(r, 5000))]);
  controller.abort();
  return events;
}

describe('operator console session', () => {
  it('serves the page with a strict CSP; logs in with an httpOnly SameSite cookie; CSRF guards every change', async () => {
    node = await startTestLeadbot({ LEADBOT_OPERATOR_TOKENS: `Marta=${MARTA}` });
    const page = await fetch(`${node.url}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('data-testid="login-token"');

    expect((await login('not-a-token')).status).toBe(401);
    expect((await login(ADMIN_TOKEN)).body).toMatchObject({ error: { code: 'name_required' } });
    const session = await login(MARTA);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ operator: { name: 'Marta', tenant: null, admin: false } });
    expect(session.setCookie).toMatch(/HttpOnly/);
    expect(session.setCookie).toMatch(/SameSite=Strict/);
    const csrf = session.body.csrf as string;

    const me = await fetch(`${node.url}/console/session`, { headers: { cookie: session.cookie } });
    expect(await me.json()).toMatchObject({ operator: { name: 'Marta' }, csrf });
    expect((await fetch(`${node.url}/api/handoffs`, { headers: { cookie: session.cookie } })).status).toBe(
      200,
    );
    expect(
      (await fetch(`${node.url}/api/handoffs`, { headers: { cookie: `${session.cookie}x` } })).status,
    ).toBe(401);

    await fetch(`${node.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender: 'c1', message: OUTAGE }),
    });
    const takeover = (headers: Record<string, string>) =>
      fetch(`${node!.url}/api/conversations/demo:rest:c1/takeover`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: session.cookie, ...headers },
        body: '{}',
      });
    const noCsrf = await takeover({});
    expect(noCsrf.status).toBe(403);
    expect(await noCsrf.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await takeover({ 'x-leadbot-csrf': 'guess' })).status).toBe(403);
    const ok = await takeover({ 'x-leadbot-csrf': csrf });
    expect(await ok.json()).toEqual({ owner: 'Marta', state: 'human' });
  });

  it('pushes queue, message and state changes over Server-Sent Events', async () => {
    node = await startTestLeadbot({ LEADBOT_OPERATOR_TOKENS: `Marta=${MARTA}` });
    const { cookie } = await login(MARTA);
    expect((await fetch(`${node.url}/console/events`)).status).toBe(401);
    const events = await readEvents(`${node.url}/console/events`, cookie, 4, async () => {
      await fetch(`${node!.url}/webhooks/rest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sender: 'c2', message: OUTAGE }),
      });
    });
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe('ready');
    expect(kinds).toContain('handoff');
    expect(kinds).toContain('message');
    const handoff = events.find((e) => e.event === 'handoff')!.data as Record<string, unknown>;
    expect(handoff).toMatchObject({ conversationId: 'demo:rest:c2', urgency_level: 'Alto', owner: null });
    expect(typeof handoff.waitingSeconds).toBe('number');
  });
});
