import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeLlmServer } from '../../src/fake-llm/server.ts';
import { startLeadbotProcess } from '../helpers/leadbot-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

describe('stop and start again: nothing is lost', () => {
  it('SIGTERM mid-conversation, restart, the widget session continues and the lead survives', async () => {
    const first = await startLeadbotProcess();
    let ws = await WsClient.connect(first.url, { tenant: 'demo', session: 'restart-1' });
    let r = await ws.say(
      'Hola, necesito info sobre sus planes, tenemos problemas con los tiempos de entrega',
    );
    expect(r.state).toBe('capture');
    r = await ws.say('Me llamo Lucía Gómez');
    expect(r.state).toBe('capture');
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toContain('stopped');

    const second = await startLeadbotProcess({
      dataDir: first.dataDir,
      env: { LEADBOT_ADMIN_TOKEN: first.adminToken },
    });
    try {
      ws = await WsClient.connect(second.url, { tenant: 'demo', session: 'restart-1' });
      r = await ws.say('lucia@gomez-logistica.com');
      // The machine remembered the need and the name: this completes the lead.
      expect(r.state).toBe('handoff');
      expect(r.text).toMatch(/Lucía/);
      await ws.close();
      await second.stop('SIGINT');
      // Logs carry ids, never message text or contact data (content logging is off by default).
      expect(second.output()).toContain('lead stored');
      for (const output of [first.output(), second.output()]) {
        expect(output).not.toMatch(/lucia@gomez|Lucía|Gómez|tiempos de entrega/);
      }

      const third = await startLeadbotProcess({
        dataDir: first.dataDir,
        env: { LEADBOT_ADMIN_TOKEN: first.adminToken },
      });
      try {
        const res = await fetch(`${third.url}/api/leads`, {
          headers: { authorization: `Bearer ${first.adminToken}` },
        });
        const { leads } = (await res.json()) as {
          leads: { contact_info: { name: string; email: string }; field_turns: Record<string, number> }[];
        };
        expect(leads).toHaveLength(1);
        expect(leads[0]!.contact_info).toMatchObject({
          name: 'Lucía Gómez',
          email: 'lucia@gomez-logistica.com',
        });
        expect(leads[0]!.field_turns).toMatchObject({ problem: 1, name: 2, email: 3 });
      } finally {
        await third.stop();
      }
    } finally {
      await second.stop();
    }
  }, 60_000);

  it('SIGTERM while a turn is in flight: the reply still reaches the socket before it closes', async () => {
    const fake = await startFakeLlmServer({ keys: { k1: {} }, latencyMs: 1500 });
    const node = await startLeadbotProcess({
      env: { LEADBOT_LLM_KEYS: 'k1', LEADBOT_LLM_BASE_URL: fake.url, LEADBOT_LLM_MODEL: 'fake-builtin' },
    });
    try {
      const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'inflight' });
      ws.socket.send(
        JSON.stringify({ type: 'user.message', id: 'slow-1', text: 'Hola, necesito una cotización' }),
      );
      await ws.next('bot.typing');
      const stopped = node.stop('SIGTERM');
      const reply = await ws.next('bot.message', 10_000);
      expect(reply.text).toMatch(/\?$/);
      expect(await stopped).toBe(0);
    } finally {
      await node.stop();
      await fake.close();
    }
  }, 60_000);

  it('a broken config file refuses to start with a readable error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-cfg-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "server": { "port": 3000, }');
    await expect(startLeadbotProcess({ env: { LEADBOT_CONFIG: file } })).rejects.toThrow(
      /exited with 78[\s\S]*broken\.json is not valid JSON/,
    );
    writeFileSync(file, JSON.stringify({ conversation: { maxInputChars: -5 }, nonsense: true }));
    await expect(startLeadbotProcess({ env: { LEADBOT_CONFIG: file } })).rejects.toThrow(
      /exited with 78[\s\S]*conversation\.maxInputChars/,
    );
  }, 60_000);

  it('kill -9 while a turn is in flight: after restart the retried message is handled once and the conversation continues', async () => {
    const fake = await startFakeLlmServer({ keys: { k1: {} } });
    const llm = { LEADBOT_LLM_KEYS: 'k1', LEADBOT_LLM_BASE_URL: fake.url, LEADBOT_LLM_MODEL: 'fake-builtin' };
    const first = await startLeadbotProcess({ env: llm });
    const rest = (url: string, id: string, message: string) =>
      fetch(`${url}/webhooks/rest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sender: 'k9', message, message_id: id }),
      });
    let second: Awaited<ReturnType<typeof startLeadbotProcess>> | undefined;
    try {
      const one = (await (
        await rest(first.url, 'm1', 'Necesito cotizar rastreo para 12 camiones')
      ).json()) as {
        text: string;
      }[];
      expect(one.length).toBeGreaterThan(0);
      // The provider becomes slow: the next turn is in flight when the process is killed.
      fake.setOptions({ latencyMs: 5000 });
      const inFlight = rest(first.url, 'm2', 'Soy Ana Pérez de Transportes Norte').catch(() => undefined);
      const deadline = Date.now() + 10_000;
      while (fake.stats().keys.k1!.inFlight === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(fake.stats().keys.k1!.inFlight).toBe(1);
      first.child.kill('SIGKILL');
      await first.stop();
      expect(await inFlight).toBeUndefined();
      fake.setOptions({ latencyMs: 0 });

      second = await startLeadbotProcess({
        dataDir: first.dataDir,
        env: { ...llm, LEADBOT_ADMIN_TOKEN: first.adminToken },
      });
      // The client retries the message it got no answer for: handled now, exactly once.
      const retried = (await (await rest(second.url, 'm2', 'Soy Ana Pérez de Transportes Norte')).json()) as {
        text: string;
      }[];
      expect(retried.length).toBeGreaterThan(0);
      const again = (await (await rest(second.url, 'm2', 'Soy Ana Pérez de Transportes Norte')).json()) as {
        text: string;
      }[];
      expect(again).toEqual(retried);
      const done = (await (await rest(second.url, 'm3', 'ana@transportesnorte.mx')).json()) as {
        text: string;
      }[];
      expect(done.map((r) => r.text).join(' ')).toMatch(/Ana/);
      const res = await fetch(`${second.url}/api/leads`, {
        headers: { authorization: `Bearer ${first.adminToken}` },
      });
      const { leads } = (await res.json()) as {
        leads: { status: string; contact_info: { name: string }; field_turns: Record<string, number> }[];
      };
      expect(leads).toHaveLength(1);
      expect(leads[0]).toMatchObject({ status: 'complete', contact_info: { name: 'Ana Pérez' } });
      // Turn numbers show each message was processed once: need 1, name 2, email 3.
      expect(leads[0]!.field_turns).toMatchObject({ problem: 1, name: 2, email: 3 });
    } finally {
      await second?.stop();
      await first.stop();
      await fake.close();
    }
  }, 60_000);
});
