import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LeadPayload } from '../../src/protocol/index.ts';
import { getLeads, startTestLeadbot } from '../helpers/in-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

function settings(sessionTimeoutMs: number, more: Record<string, number> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-timers-'));
  const file = join(dir, 'settings.json');
  writeFileSync(file, JSON.stringify({ conversation: { sessionTimeoutMs, ...more } }));
  return file;
}

async function leadsWhen(
  url: string,
  ok: (leads: LeadPayload[]) => boolean,
  timeoutMs = 8000,
): Promise<LeadPayload[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getLeads(url);
    const leads = (body.leads ?? []) as LeadPayload[];
    if (ok(leads) || Date.now() > deadline) return leads;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('durable session timers', () => {
  it('an abandoned capture leaves a partial lead; coming back completes the same lead', async () => {
    const node = await startTestLeadbot({ LEADBOT_CONFIG: settings(1000) });
    try {
      const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'abandon' });
      await ws.say('Necesito una cotización para 10 camiones');
      await ws.say('Soy Ana Torres');
      const partial = await leadsWhen(node.url, (l) => l.length > 0);
      expect(partial).toHaveLength(1);
      expect(partial[0]).toMatchObject({
        status: 'partial',
        contact_info: { name: 'Ana Torres', email: '' },
      });
      expect(partial[0]!.field_turns).toMatchObject({ problem: 1, name: 2 });
      const r = await ws.say('ana@torres.mx');
      expect(r.state).toBe('handoff');
      const complete = await leadsWhen(node.url, (l) => l[0]?.status === 'complete');
      expect(complete).toHaveLength(1);
      expect(complete[0]!.lead_id).toBe(partial[0]!.lead_id);
      await ws.close();
    } finally {
      await node.close();
    }
  });

  it('the timer fires after a restart, at the right time', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leadbot-timers-data-'));
    const config = settings(2500);
    const first = await startTestLeadbot({ LEADBOT_CONFIG: config }, dataDir);
    const ws = await WsClient.connect(first.url, { tenant: 'demo', session: 'restart-timer' });
    await ws.say('Hola, queremos una demo de rutas');
    await ws.say('Me llamo Luis Vega');
    await ws.close();
    await first.close();
    const second = await startTestLeadbot({ LEADBOT_CONFIG: config }, dataDir);
    try {
      // Not yet due right after the restart…
      expect((await getLeads(second.url)).body.leads).toEqual([]);
      // …and fired once its time came, with nobody talking.
      const leads = await leadsWhen(second.url, (l) => l.length > 0);
      expect(leads).toHaveLength(1);
      expect(leads[0]).toMatchObject({ status: 'partial', contact_info: { name: 'Luis Vega' } });
    } finally {
      await second.close();
    }
  });
});

describe('follow-ups and handoff deadlines', () => {
  it('a silence mid-capture gets exactly one nudge asking for what is missing', async () => {
    const node = await startTestLeadbot({ LEADBOT_CONFIG: settings(60_000, { followUpAfterMs: 400 }) });
    try {
      const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'nudge' });
      await ws.say('Necesito una cotización para 10 camiones');
      await ws.say('Soy Ana Torres');
      const nudge = await ws.next('bot.message', 5000);
      expect(nudge.state).toBe('capture');
      expect(nudge.text).toMatch(/Ana/);
      expect(nudge.text).toMatch(/correo/i);
      expect(nudge.text!.trim()).toMatch(/\?$/);
      // One per silence: nothing more arrives.
      await new Promise((r) => setTimeout(r, 1200));
      expect(ws.frames.filter((f) => f.type === 'bot.message')).toEqual([]);
      // The person comes back and completes the lead as usual.
      const done = await ws.say('ana@torres.mx');
      expect(done.state).toBe('handoff');
      await ws.close();
    } finally {
      await node.close();
    }
  });

  it('an urgent case nobody took over is escalated at its deadline, and the person is reassured', async () => {
    const node = await startTestLeadbot({ LEADBOT_CONFIG: settings(60_000, { handoffDeadlineMs: 500 }) });
    try {
      const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'deadline' });
      await ws.say('Urgente, se nos cae la producción y no podemos facturar');
      await ws.say('Soy Carla Ruiz, carla@ruiz.mx');
      const reassurance = await ws.next('bot.message', 5000);
      expect(reassurance.state).toBe('handoff');
      expect(reassurance.text).toMatch(/Carla/);
      expect(reassurance.text).toMatch(/espera/i);
      const metrics = (await (await fetch(`${node.url}/metrics`)).json()) as { handoffs_overdue: number };
      expect(metrics.handoffs_overdue).toBe(1);
      await ws.close();
    } finally {
      await node.close();
    }
  });
});
