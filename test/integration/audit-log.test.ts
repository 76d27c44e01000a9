import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbStore } from '../../src/adapters/lmdb-store.ts';
import { AuditLog, entryHash, type AuditEntry } from '../../src/audit/audit-log.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { runCli } from '../helpers/run-cli.ts';
import { WsClient } from '../helpers/ws-client.ts';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

function openLog(dir = mkdtempSync(join(tmpdir(), 'leadbot-audit-'))) {
  const store = LmdbStore.open(dir);
  closers.push(() => store.close());
  const log = new AuditLog(store, dir);
  const raw = store.database<AuditEntry, number>('audit');
  return { dir, store, log, raw };
}

function fill(log: AuditLog, n: number): void {
  for (let i = 0; i < n; i++)
    log.append({
      type: i % 2 ? 'handoff.requested' : 'conversation.escalated',
      person: `demo:web:person-${i % 3}`,
      tenantId: 'demo',
      data: { i, channel: 'web' },
    });
}

describe('audit log (hash chain in LMDB, checkpoints outside)', () => {
  it('an untouched log verifies, survives reopening and keeps chaining', async () => {
    const a = openLog();
    fill(a.log, 5);
    expect(a.log.verify()).toMatchObject({ ok: true, entries: 5, checkpoints: 5 });
    await a.store.close();
    closers = [];
    const b = openLog(a.dir);
    fill(b.log, 2);
    const result = b.log.verify();
    expect(result).toMatchObject({ ok: true, entries: 7 });
    expect(b.log.list().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('detects an edited entry', () => {
    const { log, raw } = openLog();
    fill(log, 5);
    const entry = raw.get(3)!;
    raw.putSync(3, { ...entry, data: { ...entry.data, i: 99 } });
    expect(log.verify()).toMatchObject({ ok: false, seq: 3, problem: expect.stringMatching(/modified/) });
  });

  it('detects a deleted entry', () => {
    const { log, raw } = openLog();
    fill(log, 5);
    raw.removeSync(2);
    expect(log.verify()).toMatchObject({ ok: false, seq: 2, problem: expect.stringMatching(/missing/) });
  });

  it('detects reordered entries', () => {
    const { log, raw } = openLog();
    fill(log, 5);
    const two = raw.get(2)!;
    const three = raw.get(3)!;
    raw.putSync(2, { ...three, seq: 2 });
    raw.putSync(3, { ...two, seq: 3 });
    expect(log.verify()).toMatchObject({ ok: false, seq: 2 });
  });

  it('detects truncation through the checkpoints', () => {
    const { log, raw } = openLog();
    fill(log, 5);
    raw.removeSync(5);
    raw.removeSync(4);
    expect(log.verify()).toMatchObject({ ok: false, seq: 4, problem: expect.stringMatching(/truncated/) });
  });

  it('detects a chain rewritten with fresh hashes (the checkpoint file disagrees)', () => {
    const { log, raw } = openLog();
    fill(log, 4);
    let prev = '';
    for (const seq of [1, 2, 3, 4]) {
      const { hash: _old, ...rest } = raw.get(seq)!;
      const edited = { ...rest, prev, data: seq === 2 ? { i: 42, channel: 'web' } : rest.data };
      const hash = entryHash(edited);
      raw.putSync(seq, { ...edited, hash });
      prev = hash;
    }
    expect(log.verify()).toMatchObject({ ok: false, seq: 2, problem: expect.stringMatching(/rewritten/) });
  });

  it('a tampered checkpoint file is caught too', () => {
    const { dir, log } = openLog();
    fill(log, 3);
    const file = join(dir, 'audit-checkpoints.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"hash":"[0-9a-f]{4}/, '"hash":"ffff'));
    expect(log.verify().ok).toBe(false);
  });

  it('holds pseudonyms, not person ids; erasing a person (crypto-shredding) keeps the chain valid', () => {
    const { log, store } = openLog();
    fill(log, 6);
    const person = 'demo:web:person-1';
    expect(JSON.stringify(log.list())).not.toContain('person-');
    // The per-person keys are filed under a hash: no person id in clear there either.
    const keyIds = [...store.database<string, string>('audit_keys').getKeys()];
    expect(keyIds).toHaveLength(3);
    expect(keyIds.join(' ')).not.toContain('person-');
    expect(log.about(person)).toHaveLength(2);
    expect(log.forget(person)).toBe(true);
    expect(log.about(person)).toEqual([]);
    // A new key gives a new pseudonym: old entries can no longer be linked to the person.
    expect(log.list().some((e) => e.subject === log.pseudonym(person))).toBe(false);
    expect(log.verify()).toMatchObject({ ok: true, entries: 6 });
  });

  it('a human handoff in a real conversation is audited', async () => {
    const node = await startTestLeadbot();
    closers.push(() => node.close());
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'audited' });
    await ws.say('Urgente, se nos cae la producción y no podemos facturar');
    const r = await ws.say('Soy Carla Ruiz, carla@ruiz.mx');
    expect(r.state).toBe('handoff');
    await ws.close();
    const entries = node.audit.list();
    expect(entries.map((e) => e.type)).toEqual(['handoff.requested']);
    expect(entries[0]).toMatchObject({ tenantId: 'demo', data: { channel: 'web' } });
    expect(JSON.stringify(entries)).not.toMatch(/audited|Carla|carla@/);
    expect(node.audit.verify().ok).toBe(true);
  });

  it('`leadbot audit verify` says intact, then points at the tampered entry (exit 1)', async () => {
    const { dir, log, raw } = openLog();
    fill(log, 4);
    let r = await runCli(['audit', 'verify', '--data-dir', dir], '');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/intact: 4 entries/);
    const entry = raw.get(3)!;
    await raw.put(3, { ...entry, type: 'admin.access' });
    r = await runCli(['audit', 'verify', '--data-dir', dir], '');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/TAMPERED at entry 3/);
    r = await runCli(['audit', 'verify', '--data-dir', join(dir, 'nope')], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no leadbot data/);
  });
});
