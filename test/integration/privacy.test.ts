import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LeadPayload } from '../../src/protocol/index.ts';
import { ADMIN_TOKEN, getLeads, startTestLeadbot } from '../helpers/in-process.ts';
import { ROOT } from '../helpers/leadbot-process.ts';
import { runCli } from '../helpers/run-cli.ts';
import { WsClient } from '../helpers/ws-client.ts';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Two tenants: the demo one and a copy of it named "other". */
function twoTenants(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-tenants-'));
  cpSync(join(ROOT, 'config/tenants/demo'), join(dir, 'demo'), { recursive: true });
  cpSync(join(ROOT, 'config/tenants/demo'), join(dir, 'other'), { recursive: true });
  const file = join(dir, 'other', 'tenant.json');
  writeFileSync(file, readFileSync(file, 'utf8').replace('"id": "demo"', '"id": "other"'));
  return dir;
}

async function capture(url: string, tenant: string, session: string, name: string, email: string) {
  const ws = await WsClient.connect(url, { tenant, session });
  await ws.say('Necesito cotizar rastreo para 12 camiones');
  const r = await ws.say(`Soy ${name}, ${email}`);
  expect(r.state).toBe('handoff');
  await ws.close();
}

describe('privacy: export and erase one person; tenants are isolated', () => {
  it('the admin API exports everything about a person and erases it; the audit log stays intact', async () => {
    const node = await startTestLeadbot();
    closers.push(() => node.close());
    await capture(node.url, 'demo', 'ana', 'Ana Ruiz', 'ana@ruiz.mx');
    await capture(node.url, 'demo', 'luis', 'Luis Vega', 'luis@vega.mx');

    const exported = await fetch(`${node.url}/api/contacts/ana@ruiz.mx`, { headers: auth });
    expect(exported.status).toBe(200);
    const body = (await exported.json()) as {
      conversations: { history: { text: string }[] }[];
      leads: LeadPayload[];
    };
    expect(body.leads.map((l) => l.contact_info.email)).toEqual(['ana@ruiz.mx']);
    expect(body.conversations).toHaveLength(1);
    expect(body.conversations[0]!.history.map((h) => h.text).join(' ')).toMatch(/Ana Ruiz/);
    expect(JSON.stringify(body)).not.toMatch(/luis@vega/);

    // An email stored nowhere finds nobody, even when its digits are someone's phone number.
    for (const nobody of ['nobody@else.mx', '5215500000000@else.mx'])
      expect((await fetch(`${node.url}/api/contacts/${nobody}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${node.url}/api/contacts/ana@ruiz.mx`)).status).toBe(401);
    const erased = await fetch(`${node.url}/api/contacts/ana@ruiz.mx`, { method: 'DELETE', headers: auth });
    expect(await erased.json()).toMatchObject({ erased: { conversations: 1, leads: 1, historyLines: 4 } });
    expect((await fetch(`${node.url}/api/contacts/ana@ruiz.mx`, { headers: auth })).status).toBe(404);
    const leads = ((await getLeads(node.url)).body.leads ?? []) as LeadPayload[];
    expect(leads.map((l) => l.contact_info.email)).toEqual(['luis@vega.mx']);
    expect(await node.store.getHistory('demo:web:ana', 50)).toEqual([]);
    expect(node.audit.verify()).toMatchObject({ ok: true });
    expect(
      node.audit
        .list()
        .filter((e) => e.type !== 'admin.access')
        .at(-1),
    ).toMatchObject({ type: 'contact.erased', data: { leads: 1 } });
    // The same session starts over: nothing of the erased conversation comes back.
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'ana' });
    const r = await ws.say('Hola');
    expect(r.state).toBe('triage');
    await ws.close();
  });

  it('one tenant can never read or erase another tenant’s data through the API or a channel', async () => {
    const node = await startTestLeadbot({ LEADBOT_TENANTS_DIR: twoTenants() });
    closers.push(() => node.close());
    await capture(node.url, 'demo', 'same-session', 'Ana Ruiz', 'ana@ruiz.mx');
    await capture(node.url, 'other', 'same-session', 'Marta Gil', 'marta@gil.mx');
    // The same session id on two tenants is two conversations.
    const demoHistory = (await node.store.getHistory('demo:web:same-session', 50))
      .map((h) => h.text)
      .join(' ');
    expect(demoHistory).toMatch(/Ana Ruiz/);
    expect(demoHistory).not.toMatch(/Marta/);
    const demoLeads = await fetch(`${node.url}/api/leads?tenant=demo`, { headers: auth });
    expect(((await demoLeads.json()) as { leads: LeadPayload[] }).leads.map((l) => l.tenant_id)).toEqual([
      'demo',
    ]);
    // Scoped to tenant "other", Ana (a demo contact) does not exist.
    expect((await fetch(`${node.url}/api/contacts/ana@ruiz.mx?tenant=other`, { headers: auth })).status).toBe(
      404,
    );
    expect(
      (await fetch(`${node.url}/api/contacts/ana@ruiz.mx?tenant=other`, { method: 'DELETE', headers: auth }))
        .status,
    ).toBe(404);
    expect(((await getLeads(node.url)).body.leads ?? []).length).toBe(2);
    // A REST sender on one tenant never continues another tenant's conversation.
    const rest = await fetch(`${node.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender: 'same-session', message: '¿Cuál es mi correo?', tenant: 'other' }),
    });
    expect(JSON.stringify(await rest.json())).not.toMatch(/ana@ruiz/);
  });

  it('`leadbot contacts export|erase` work on a data folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leadbot-contacts-cli-'));
    const node = await startTestLeadbot({}, dataDir);
    await capture(node.url, 'demo', 'cli-person', 'Rosa Díaz', 'rosa@diaz.mx');
    await node.close();
    let r = await runCli(['contacts', 'export', 'rosa@diaz.mx', '--data-dir', dataDir], '');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { leads: LeadPayload[] }).leads[0]!.contact_info.name).toBe('Rosa Díaz');
    r = await runCli(['contacts', 'erase', 'rosa@diaz.mx', '--data-dir', dataDir], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
    r = await runCli(['contacts', 'erase', 'rosa@diaz.mx', '--data-dir', dataDir, '--yes'], '');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ erased: { conversations: 1, leads: 1 } });
    r = await runCli(['contacts', 'export', 'rosa@diaz.mx', '--data-dir', dataDir], '');
    expect(r.code).toBe(1);
    r = await runCli(['audit', 'verify', '--data-dir', dataDir], '');
    expect(r.code).toBe(0);
  });
});
