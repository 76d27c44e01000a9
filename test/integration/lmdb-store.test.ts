import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LmdbStore } from '../../src/adapters/lmdb-store.ts';
import type { LeadPayload } from '../../src/protocol/index.ts';

const lead = (tenant: string, id: string): LeadPayload => ({
  lead_id: id,
  contact_info: { name: 'Ana', phone_or_username: null, email: 'ana@x.io' },
  business_context: { company_name: null, interest_area: 'Ventas' },
  problem_statement: 'Necesita planes.',
  urgency_level: 'Bajo',
  qualification: 'warm_lead',
  status: 'complete',
  channel: 'web',
  tenant_id: tenant,
  conversation_id: `${tenant}:web:s`,
  language: 'es',
  source: null,
  created_at: new Date(0).toISOString(),
  updated_at: new Date(0).toISOString(),
  field_turns: { name: 1 },
});

describe('LmdbStore (real LMDB in a temp dir)', () => {
  it('keeps turns, history and leads across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-lmdb-'));
    let store = LmdbStore.open(dir);
    const conversation = {
      conversationId: 'c1',
      tenantId: 'demo',
      channel: 'web',
      userId: 'u',
      snapshot: { value: { capture: 'waiting' } },
      machineVersion: 1,
      updatedAt: 1,
    };
    for (let turn = 1; turn <= 3; turn++) {
      await store.saveTurn({
        conversation: { ...conversation, updatedAt: turn },
        history: [
          { role: 'user', text: `u${turn}`, at: turn, turn, messageId: `m${turn}` },
          { role: 'assistant', text: `b${turn}`, at: turn, turn, messageId: `o${turn}` },
        ],
        ...(turn === 3 ? { lead: lead('demo', 'L1') } : {}),
      });
    }
    await store.putLead(lead('other', 'L2'));
    await store.close();

    store = LmdbStore.open(dir);
    expect((await store.getConversation('c1'))?.updatedAt).toBe(3);
    expect((await store.getHistory('c1', 3)).map((h) => h.text)).toEqual(['b2', 'u3', 'b3']);
    expect((await store.getHistory('c1', 100)).length).toBe(6);
    expect(await store.getHistory('c2', 10)).toEqual([]);
    expect((await store.listLeads()).map((l) => l.lead_id).sort()).toEqual(['L1', 'L2']);
    expect((await store.listLeads({ tenantId: 'demo' })).map((l) => l.lead_id)).toEqual(['L1']);
    expect(await store.getLead('demo', 'L2')).toBeUndefined();
    expect(await store.stats()).toEqual({ conversations: 1, leads: 2 });
    await store.close();
  });

  it('retention deletes old conversations with their history and keeps leads', async () => {
    const store = LmdbStore.open(mkdtempSync(join(tmpdir(), 'leadbot-lmdb-')));
    const save = (conversationId: string, updatedAt: number) =>
      store.saveTurn({
        conversation: {
          conversationId,
          tenantId: 'demo',
          channel: 'web',
          userId: 'u',
          snapshot: {},
          machineVersion: 1,
          updatedAt,
        },
        history: [{ role: 'user', text: 'hola', at: updatedAt, turn: 1, messageId: `m-${conversationId}` }],
        lead: lead('demo', `L-${conversationId}`),
      });
    await save('old', 1_000);
    await save('new', 9_000);
    expect(await store.purgeConversationsBefore(5_000)).toBe(1);
    expect(await store.getConversation('old')).toBeUndefined();
    expect(await store.getHistory('old', 10)).toEqual([]);
    expect(await store.getHistory('new', 10)).toHaveLength(1);
    expect(await store.getLead('demo', 'L-old')).toBeDefined();
    expect(await store.purgeConversationsBefore(5_000)).toBe(0);
    await store.close();
  });

  it('keeps the transition log across turns that change no state, bounded; a replica copy replaces it', async () => {
    const store = LmdbStore.open(mkdtempSync(join(tmpdir(), 'leadbot-lmdb-')));
    const conversation = {
      conversationId: 'demo:web:t1',
      tenantId: 'demo',
      channel: 'web',
      userId: 't1',
      snapshot: {},
      machineVersion: 1,
      updatedAt: 1,
    };
    const step = (i: number) => ({ at: i, event: 'user.message.received', from: `s${i}`, to: `s${i + 1}` });
    await store.saveTurn({ conversation, history: [], transitions: [step(0), step(1)] });
    await store.saveTurn({ conversation, history: [] });
    expect((await store.getConversation('demo:web:t1'))?.transitions).toEqual([step(0), step(1)]);
    for (let i = 2; i < 80; i++) await store.saveTurn({ conversation, history: [], transitions: [step(i)] });
    const log = (await store.getConversation('demo:web:t1'))?.transitions ?? [];
    expect(log).toHaveLength(60);
    expect(log.at(-1)).toEqual(step(79));
    await store.saveTurn({ conversation: { ...conversation, transitions: [step(100)] }, history: [] });
    expect((await store.getConversation('demo:web:t1'))?.transitions).toEqual([step(100)]);
    await store.close();
  });

  it('keeps what prospects said readable by this user only: a new folder is 0700, data.mdb and lock.mdb 0600', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'leadbot-modes-')), 'data');
    const previous = process.umask(0o022);
    try {
      const store = LmdbStore.open(dir);
      await store.close();
    } finally {
      process.umask(previous);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'data.mdb')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'lock.mdb')).mode & 0o777).toBe(0o600);
    // An existing store opened again is tightened too (it was 0644 before this change).
    chmodSync(join(dir, 'data.mdb'), 0o644);
    await LmdbStore.open(dir).close();
    expect(statSync(join(dir, 'data.mdb')).mode & 0o777).toBe(0o600);
  });

  it('opens a data folder whose name has a dot', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'leadbot-lmdb-')), 'data.prod');
    const store = LmdbStore.open(dir);
    await store.putLead(lead('demo', 'L1'));
    expect(await store.getLead('demo', 'L1')).toBeDefined();
    await store.close();
  });

  it('reports an unusable data dir as a storage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-lmdb-'));
    writeFileSync(join(dir, 'a-file'), 'x');
    expect(() => LmdbStore.open(join(dir, 'a-file', 'data'))).toThrow(/Cannot open the LMDB store/);
  });
});
