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
});
