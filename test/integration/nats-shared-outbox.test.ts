import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../src/adapters/nats/connection.ts';
import { openLeadBucket, SharedLeadStore } from '../../src/adapters/nats/shared-leads.ts';
import { NatsDeliveryClaims, openOutboxBucket } from '../../src/adapters/nats/shared-outbox.ts';
import { partitionOf } from '../../src/adapters/nats/subjects.ts';
import { StaleOwnerError } from '../../src/cluster/conversation-replica.ts';
import { MemoryStore } from '../../src/ports/store.ts';
import type { LeadPayload } from '../../src/protocol/index.ts';
import { natsAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.ts';

const CONVERSATION = 'demo:web:fenced-lead';

function lead(over: Partial<LeadPayload> = {}): LeadPayload {
  const at = new Date(Date.UTC(2026, 11, 1, 9, 0, 0)).toISOString();
  return {
    lead_id: 'lead_FENCED',
    contact_info: { name: 'Marta Ruiz', phone_or_username: null, email: 'marta@ruizlogistica.mx' },
    business_context: { company_name: 'Ruiz Logística', interest_area: 'Ventas' },
    problem_statement: 'Necesita rastreo para 30 camiones antes de fin de mes.',
    urgency_level: 'Alto',
    qualification: 'hot_lead',
    status: 'complete',
    channel: 'web',
    tenant_id: 'demo',
    conversation_id: CONVERSATION,
    language: 'es',
    source: null,
    created_at: at,
    updated_at: at,
    field_turns: {},
    ...over,
  };
}

describe.skipIf(!natsAvailable('the shared lead and outbox tests'))(
  'cluster leads and CRM deliveries (real nats-server)',
  () => {
    let nats: NatsServer;
    const connections: NatsConnection[] = [];
    const connection = async (name: string) => {
      const nc = await connectNats({ url: nats.url, name });
      connections.push(nc);
      return nc;
    };
    beforeAll(async () => {
      nats = await startNatsServer({ jetstream: true });
    }, 30_000);
    afterAll(async () => {
      for (const nc of connections) await nc.close();
      await nats?.dispose();
    });

    it('lead writes are fenced: a stale owner is refused, a non-owner may only confirm delivery, delivered stays delivered', async () => {
      const kv = await openLeadBucket(await connection('leads'));
      const fences = { old: 7 as number | undefined, current: 12 as number | undefined };
      const stale = new SharedLeadStore(new MemoryStore(), kv, () => fences.old);
      const owner = new SharedLeadStore(new MemoryStore(), kv, () => fences.current);
      const outsider = new SharedLeadStore(new MemoryStore(), kv, () => undefined);

      await stale.putLead(lead());
      await owner.putLead(lead({ urgency_level: 'Medio', updated_at: '2026-12-01T09:01:00.000Z' }));
      // The old owner resumes after the takeover and writes again: refused, the new owner's lead stays.
      await expect(stale.putLead(lead({ urgency_level: 'Bajo' }))).rejects.toBeInstanceOf(StaleOwnerError);
      expect((await outsider.getLead('demo', 'lead_FENCED'))?.urgency_level).toBe('Medio');

      // The outbox on another node confirms the delivery: accepted. Changing content is not.
      const stored = (await owner.getLead('demo', 'lead_FENCED'))!;
      await outsider.putLead({ ...stored, status: 'delivered', updated_at: '2026-12-01T09:02:00.000Z' });
      await expect(
        outsider.putLead({ ...stored, status: 'delivered', problem_statement: 'Otra cosa' }),
      ).rejects.toBeInstanceOf(StaleOwnerError);

      // The owner writes the same content again (a retried turn): the lead stays delivered.
      await owner.putLead({ ...stored, status: 'complete', updated_at: '2026-12-01T09:03:00.000Z' });
      expect((await outsider.getLead('demo', 'lead_FENCED'))?.status).toBe('delivered');
      // A real correction makes it complete again (it must reach the CRM as an update).
      await owner.putLead({
        ...stored,
        status: 'complete',
        contact_info: { ...stored.contact_info, email: 'm@r.mx' },
        updated_at: '2026-12-01T09:04:00.000Z',
      });
      expect((await outsider.getLead('demo', 'lead_FENCED'))?.status).toBe('complete');
      expect(await outsider.listLeads({ tenantId: 'demo' })).toHaveLength(1);
    });

    it('delivery claims: one holder per entry, a dead holder’s entries are adopted by the new owner, delivered once', async () => {
      const partitions = 8;
      const part = (id: string) => partitionOf(id, partitions);
      const claimsFor = async (instance: string) =>
        new NatsDeliveryClaims({
          kv: await openOutboxBucket(await connection(instance)),
          nodeId: instance,
          instance,
          partitionOf: part,
        });
      const a = await claimsFor('instance-a');
      const b = await claimsFor('instance-b');
      const entry = (n: number) => ({
        id: `crm.lead:demo:lead_${n}`,
        tenantId: 'demo',
        kind: 'crm.lead' as const,
        payload: lead({ lead_id: `lead_${n}`, conversation_id: `demo:web:claims-${n}` }),
        orderKey: `demo:demo:web:claims-${n}`,
      });

      // a queued it first: b (a paused worker that queued it again later) must not send it.
      await a.queued(entry(1));
      await b.queued(entry(1));
      expect(await a.check(entry(1))).toBe('send');
      expect(await b.check(entry(1))).toBe('elsewhere');
      await a.delivered(entry(1));
      expect(await b.check(entry(1))).toBe('delivered');
      expect(await a.check(entry(1))).toBe('delivered');

      // a dies holding two entries of one partition; b takes the partition over and adopts them, oldest first.
      const samePartition = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        .filter((n) => part(`demo:web:claims-${n}`) === part('demo:web:claims-2'))
        .slice(0, 2);
      expect(samePartition).toHaveLength(2);
      for (const n of samePartition) await a.queued(entry(n));
      const adopted = await b.adopt(part('demo:web:claims-2'));
      expect(adopted.map((e) => e.id)).toEqual(samePartition.map((n) => entry(n).id));
      expect(adopted[0]!.payload).toMatchObject({ lead_id: `lead_${samePartition[0]}` });
      // Now b holds them; a, if it ever comes back, leaves them to b.
      for (const n of samePartition) {
        expect(await b.check(entry(n))).toBe('send');
        expect(await a.check(entry(n))).toBe('elsewhere');
      }
      // Adopting again finds nothing new.
      expect(await b.adopt(part('demo:web:claims-2'))).toEqual([]);
      // Erasing the person removes the shared copy of their pending lead.
      const first = `demo:web:claims-${samePartition[0]}`;
      expect(await b.forget(first)).toBe(1);
      expect(await b.forget(first)).toBe(0);
      expect(await a.adopt(part(first))).toHaveLength(1);
    });
  },
);
