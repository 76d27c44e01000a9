import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbOutbox } from '../../src/adapters/lmdb-outbox.ts';
import { LmdbStore } from '../../src/adapters/lmdb-store.ts';
import type { HandoffEnv } from '../../src/config/handoff.ts';
import type { TenantConfig } from '../../src/config/tenant.ts';
import { HandoffAlerts } from '../../src/handoff/alerts.ts';
import { createLogger } from '../../src/logger.ts';
import type { AlertInput } from '../../src/ports/alerts.ts';
import { OutboxDispatcher } from '../../src/runtime/outbox-dispatcher.ts';
import { startRecorder } from '../helpers/recorder.ts';

const log = createLogger({ level: 'silent', content: false, pretty: false, nodeId: 't' });
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function tenant(id: string, handoff?: TenantConfig['handoff']): TenantConfig {
  return {
    id,
    companyName: id === 'acme' ? 'Acme' : 'RutaViva',
    botName: 'Asistente',
    tagline: { es: 'x', en: 'x' },
    welcome: { es: 'x', en: 'x' },
    defaultLanguage: 'es',
    accentColor: '#0f766e',
    catalog: [],
    knowledge: [],
    ...(handoff ? { handoff } : {}),
  };
}

const input = (over: Partial<AlertInput> = {}): AlertInput => ({
  conversationId: 'acme:web:s1',
  tenantId: 'acme',
  channel: 'web',
  reason: 'critical_support',
  level: 1,
  lead: { name: { value: 'Luis', turn: 1 }, email: { value: 'l@x.io', turn: 1 } },
  qualification: 'support',
  urgency: 'Alto',
  interestArea: 'Soporte',
  language: 'es',
  startedAt: Date.now() - 90_000,
  episode: 1,
  ...over,
});

async function setup(env: Partial<HandoffEnv>, tenants: TenantConfig[], now = () => Date.now()) {
  const store = LmdbStore.open(mkdtempSync(join(tmpdir(), 'leadbot-alerts-')));
  const clock = { now };
  const outbox = new LmdbOutbox({ store, clock, name: 'alerts' });
  const alerts: HandoffAlerts = new HandoffAlerts({
    outbox,
    notify: () => dispatcher.notify(),
    tenants: new Map(tenants.map((t) => [t.id, t])),
    env: { operators: [], ...env },
    clock,
    log,
    acceptWithinMs: 1500,
  });
  const dispatcher = new OutboxDispatcher({
    outbox,
    clock,
    log,
    send: (entry) => alerts.send(entry),
    maxAttempts: 3,
    baseBackoffMs: 10,
    maxBackoffMs: 50,
  });
  await dispatcher.start();
  closers.push(async () => {
    await dispatcher.close();
    await store.close();
  });
  return { alerts, outbox };
}

describe('handoff alerts', () => {
  it('a tenant’s own targets win over the env shortcut; escalations go to the escalation targets', async () => {
    const rec = await startRecorder();
    closers.push(rec.close);
    const { alerts } = await setup({ slackWebhookUrl: `${rec.url}/slack/env` }, [
      tenant('acme', {
        slackWebhookUrl: `${rec.url}/slack/acme`,
        escalation: { teamsWebhookUrl: `${rec.url}/teams/boss` },
        liveFollowUp: false,
        expectedMinutes: 20,
      }),
      tenant('demo'),
    ]);
    expect(await alerts.alert(input())).toMatchObject({ alerted: true, contactVia: 'email' });
    expect(rec.received.map((r) => r.path)).toEqual(['/slack/acme']);
    const second = await alerts.alert(input({ level: 2, reason: 'escalation' }));
    expect(second).toMatchObject({ alerted: true, expectedMinutes: 20 });
    // The escalation adds Teams; Slack (not overridden per kind) is told again, as level 2.
    expect(rec.received.map((r) => r.path).sort()).toEqual(['/slack/acme', '/slack/acme', '/teams/boss']);
    expect(JSON.stringify(rec.received.at(-1)!.json) + JSON.stringify(rec.received.at(-2)!.json)).toMatch(
      /Escalado/,
    );
    await alerts.alert(input({ tenantId: 'demo', conversationId: 'demo:web:s2' }));
    expect(rec.received.map((r) => r.path)).toContain('/slack/env');
  });

  it('is idempotent: the same conversation and level alert once, whatever the retries', async () => {
    const rec = await startRecorder();
    closers.push(rec.close);
    const { alerts } = await setup({ slackWebhookUrl: `${rec.url}/slack/env` }, [tenant('acme')]);
    await alerts.alert(input());
    await alerts.alert(input());
    await new Promise((r) => setTimeout(r, 200));
    expect(rec.received).toHaveLength(1);
  });

  it('promises nobody when there is no target or the target refuses; says how they will be contacted', async () => {
    const none = await setup({}, [tenant('acme')]);
    expect(await none.alerts.alert(input())).toEqual({ alerted: false, contactVia: 'email' });
    const phoneOnly = await none.alerts.alert(
      input({ lead: { phone: { value: '+52 55 1234 5678', turn: 1 } } }),
    );
    expect(phoneOnly.contactVia).toBe('phone');

    const rec = await startRecorder(() => 404);
    closers.push(rec.close);
    const refused = await setup({ slackWebhookUrl: `${rec.url}/slack/gone` }, [tenant('acme')]);
    expect(await refused.alerts.alert(input())).toMatchObject({ alerted: false });
    expect((await refused.outbox.get('alert:acme:web:s1:1:1:slack'))?.status).toBe('dead');
  });

  it('outside business hours the team is alerted and the prospect told when it is back', async () => {
    const rec = await startRecorder();
    closers.push(rec.close);
    // Saturday 11:00 in Mexico City.
    const saturday = Date.parse('2026-12-12T11:00:00-06:00');
    const { alerts } = await setup(
      { slackWebhookUrl: `${rec.url}/slack/env` },
      [
        tenant('acme', {
          businessHours: {
            timezone: 'America/Mexico_City',
            days: [1, 2, 3, 4, 5],
            open: '09:00',
            close: '18:00',
          },
          liveFollowUp: false,
          expectedMinutes: 30,
        }),
      ],
      () => saturday,
    );
    expect(await alerts.alert(input())).toMatchObject({ alerted: true, backAt: 'el lunes a las 09:00' });
  });

  it('the alert carries what the team needs and never a URL or token in the outbox entry', async () => {
    const rec = await startRecorder();
    closers.push(rec.close);
    const { alerts, outbox } = await setup({ teamsWebhookUrl: `${rec.url}/teams/secret-path-sig=abc` }, [
      tenant('acme'),
    ]);
    await alerts.alert(input({ reference: 'AC-123456' }));
    const entry = await outbox.get('alert:acme:web:s1:1:1:teams');
    expect(JSON.stringify(entry)).not.toContain('secret-path');
    const card = JSON.stringify(rec.received[0]!.json);
    for (const part of ['Luis', 'AC-123456', 'Alto']) expect(card).toContain(part);
  });
});
