import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbStore } from '../../src/adapters/lmdb-store.ts';
import { loadTenants } from '../../src/config/load.ts';
import { leadIdFor } from '../../src/ids.ts';
import { createLogger } from '../../src/logger.ts';
import { extractInsights, IntelligenceExtractor } from '../../src/memory/intelligence.ts';
import type { HistoryEntry } from '../../src/ports/store.ts';
import type { LeadPayload } from '../../src/protocol/index.ts';
import { getLeads, startTestLeadbot } from '../helpers/in-process.ts';
import { ROOT } from '../helpers/leadbot-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

const demo = loadTenants(join(ROOT, 'config/tenants')).get('demo')!;
const user = (text: string, turn: number): HistoryEntry => ({
  role: 'user',
  text,
  turn,
  at: 0,
  messageId: `m${turn}`,
});

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

describe('IntelligenceExtractor', () => {
  it('finds products of interest, objections and contact preferences in Spanish and English', () => {
    const found = extractInsights(
      [
        user('Hola, nos interesa el plan Profesional pero es muy caro', 1),
        user(
          'Ya usamos otro proveedor; prefiero que me llamen por teléfono. La configuración inicial fue lenta.',
          2,
        ),
        user('Soy Ana Pérez de Transportes Norte, ana@tn.mx', 3),
        user('We may go for the Growth plan next quarter, I need to check with my boss', 4),
      ],
      demo.catalog,
    );
    expect(found.products).toEqual(['pro', 'growth']);
    expect(found.objections).toEqual([
      { kind: 'price', turn: 1 },
      { kind: 'competitor', turn: 2 },
      { kind: 'timing', turn: 4 },
      { kind: 'authority', turn: 4 },
    ]);
    expect(found.contactPreference).toBe('phone');
    expect(found.entities).toMatchObject({
      name: 'Ana Pérez',
      company: 'Transportes Norte',
      email: 'ana@tn.mx',
    });
  });

  it('plain customer messages give no objections or products ("inicial" is not the Inicial plan)', () => {
    const found = extractInsights(
      [
        user('La configuración inicial del sistema tarda mucho, ¿me ayudan?', 1),
        user('What does the onboarding include?', 2),
      ],
      demo.catalog,
    );
    expect(found).toEqual({ entities: {}, products: [], objections: [] });
  });

  it('fills what the stored lead misses and keeps what it has; runs again only on new turns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-insights-'));
    const store = LmdbStore.open(dir);
    closers.push(() => store.close());
    const conversationId = 'demo:whatsapp:5215500000000';
    await store.saveTurn({
      conversation: {
        conversationId,
        tenantId: 'demo',
        channel: 'whatsapp',
        userId: '5215500000000',
        snapshot: {},
        machineVersion: 1,
        updatedAt: 1,
      },
      history: [
        user('Necesito el paquete Crecimiento; trabajo en Fletes Rápidos', 1),
        user('Mi teléfono es +52 55 9876 5432, mejor por whatsapp', 2),
      ],
    });
    const lead: LeadPayload = {
      lead_id: leadIdFor(conversationId),
      contact_info: { name: 'Luis', phone_or_username: null, email: 'luis@fr.mx' },
      business_context: { company_name: null, interest_area: 'Ventas' },
      problem_statement: 'Quiere el plan Crecimiento.',
      urgency_level: 'Medio',
      qualification: 'hot_lead',
      status: 'complete',
      channel: 'whatsapp',
      tenant_id: 'demo',
      conversation_id: conversationId,
      language: 'es',
      source: null,
      created_at: new Date(0).toISOString(),
      updated_at: new Date(0).toISOString(),
      field_turns: { name: 1 },
    };
    await store.putLead(lead);
    const delivered: LeadPayload[] = [];
    const extractor = new IntelligenceExtractor({
      store,
      lmdb: store,
      tenants: new Map([['demo', demo]]),
      log: createLogger({ level: 'silent', content: false, pretty: false, nodeId: 't' }),
      now: () => 1000,
      deliver: async (updated) => {
        delivered.push(updated);
        await store.putLead(updated);
      },
    });
    const insights = await extractor.run(conversationId, 'demo');
    expect(insights).toMatchObject({ upToTurn: 2, products: ['growth'], contactPreference: 'whatsapp' });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      contact_info: { name: 'Luis', phone_or_username: '+525598765432', email: 'luis@fr.mx' },
      business_context: { company_name: 'Fletes Rápidos' },
      insights: { products_of_interest: ['growth'], objections: [], contact_preference: 'whatsapp' },
    });
    // Nothing new since: no second run, no second delivery.
    await extractor.run(conversationId, 'demo');
    expect(delivered).toHaveLength(1);
  });

  it('a conversation that goes idle is read by the extractor and its lead carries the insights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-insights-node-'));
    const file = join(dir, 'settings.json');
    writeFileSync(file, JSON.stringify({ supervisor: { idleTimeoutMs: 1000 } }));
    const node = await startTestLeadbot({ LEADBOT_CONFIG: file });
    closers.push(() => node.close());
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'idle-insights' });
    await ws.say('Hola, me interesa el plan Profesional para 30 camiones pero es muy caro');
    await ws.say('Soy Marta Gil, marta@gil.mx');
    await ws.close();
    const deadline = Date.now() + 10_000;
    let lead: LeadPayload | undefined;
    while (Date.now() < deadline) {
      lead = ((await getLeads(node.url)).body.leads as LeadPayload[] | undefined)?.[0];
      if (lead?.insights) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(lead?.insights).toEqual({ products_of_interest: ['pro'], objections: ['price'] });
    expect(node.supervisor.liveCount).toBe(0);
  });
});
