import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { ADMIN_TOKEN, startTestLeadbot } from '../helpers/in-process.ts';
import { tenantsFolder } from '../helpers/tenants.ts';

type Lead = { contact_info: { email: string } };
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const SHOP_ADMIN = 'shop-admin-token-7f3k';

describe('tenant admin tokens: a boundary, not a filter', () => {
  let node: (Leadbot & { url: string }) | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });
  const call = async (path: string, token: string, method = 'GET') => {
    const res = await fetch(`${node!.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const say = (tenant: string, sender: string, message: string) =>
    fetch(`${node!.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant, sender, message }),
    });
  const leadOf = async (tenant: string, sender: string, name: string, email: string) => {
    await say(tenant, sender, 'Hola, necesitamos planificar rutas para 12 camiones este mes');
    await say(tenant, sender, `Soy ${name}, mi correo es ${email}`);
  };

  it("reads and erases its own tenant's leads and contacts only; the admin token still sees all; reads are audited", async () => {
    node = await startTestLeadbot({
      LEADBOT_TENANTS_DIR: tenantsFolder({ shop: { admin: { tokenSha256: [sha(SHOP_ADMIN)] } } }),
    });
    await leadOf('demo', 'p-demo', 'Marta Ruiz', 'marta@frio.mx');
    await leadOf('shop', 'p-shop', 'Luis Soto', 'luis@tienda.mx');

    const own = await call('/api/leads', SHOP_ADMIN);
    expect(own.status).toBe(200);
    const emails = (own.body.leads as Lead[]).map((l) => l.contact_info.email);
    expect(emails).toEqual(['luis@tienda.mx']);
    expect((await call('/api/leads?tenant=demo', SHOP_ADMIN)).status).toBe(403);
    expect((await call('/api/leads?tenant=shop', SHOP_ADMIN)).status).toBe(200);
    expect((await call('/api/leads', 'not-a-token')).status).toBe(401);

    // Another tenant's person is not there for this token: export and erase both say so, nothing is erased.
    expect((await call('/api/contacts/marta@frio.mx', SHOP_ADMIN)).status).toBe(404);
    expect((await call('/api/contacts/marta@frio.mx', SHOP_ADMIN, 'DELETE')).status).toBe(404);
    expect(((await call('/api/leads', ADMIN_TOKEN)).body.leads as unknown[]).length).toBe(2);
    const exported = await call('/api/contacts/luis@tienda.mx', SHOP_ADMIN);
    expect(exported.status).toBe(200);
    expect(JSON.stringify(exported.body)).toContain('Luis Soto');
    expect((await call('/api/contacts/luis@tienda.mx', SHOP_ADMIN, 'DELETE')).status).toBe(200);
    const left = (await call('/api/leads', ADMIN_TOKEN)).body.leads as Lead[];
    expect(left.map((l) => l.contact_info.email)).toEqual(['marta@frio.mx']);

    const reads = node.audit.list().filter((e) => e.type === 'admin.access');
    expect(reads.map((e) => e.data.scope)).toEqual(['shop', 'shop', 'all', 'all']);
    expect(reads[0]!.data).toMatchObject({ route: 'leads', count: 1 });
  });

  it("acts as admin in its tenant's console and operator API, blind to the others", async () => {
    node = await startTestLeadbot({
      LEADBOT_TENANTS_DIR: tenantsFolder({ shop: { admin: { tokenSha256: [sha(SHOP_ADMIN)] } } }),
    });
    await say('demo', 'c-demo', 'Hola, quiero cotizar');
    await say('shop', 'c-shop', 'Hola, quiero cotizar');
    const list = await call('/api/conversations', SHOP_ADMIN);
    expect(list.status).toBe(200);
    const ids = (list.body.conversations as { conversationId: string }[]).map((c) => c.conversationId);
    expect(ids.length).toBe(1);
    expect(ids[0]).toMatch(/^shop:/);
    const all = (await call('/api/conversations', ADMIN_TOKEN)).body.conversations as unknown[];
    expect(all.length).toBe(2);
    const login = await fetch(`${node.url}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: SHOP_ADMIN, name: 'Rosa' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const session = await fetch(`${node.url}/console/session`, { headers: { cookie } });
    expect(await session.json()).toMatchObject({ operator: { name: 'Rosa', tenant: 'shop', admin: true } });
  });
});
