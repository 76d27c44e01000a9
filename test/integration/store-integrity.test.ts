import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LmdbStore } from '../../src/adapters/lmdb-store.ts';
import { StorageError } from '../../src/errors.ts';
import type { LeadPayload } from '../../src/protocol/index.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';

/**
 * A data folder damaged the ways disks and people damage them: the store is refused at start with
 * a message saying what happened, instead of a crash with no log line or a silently empty store.
 */

const folder = () => mkdtempSync(join(tmpdir(), 'leadbot-integrity-'));

function lead(i: number): LeadPayload {
  const at = new Date(Date.UTC(2026, 11, 1, 9, 0, i)).toISOString();
  return {
    lead_id: `L${String(i).padStart(4, '0')}`,
    contact_info: { name: `Persona ${i}`, phone_or_username: null, email: `p${i}@example.com` },
    business_context: { company_name: null, interest_area: 'Ventas' },
    problem_statement: 'Necesita rastreo para su flota de camiones',
    urgency_level: 'Alto',
    qualification: 'hot_lead',
    status: 'complete',
    channel: 'web',
    tenant_id: 'demo',
    conversation_id: `demo:web:c${i}`,
    language: 'es',
    source: null,
    created_at: at,
    updated_at: at,
    field_turns: {},
  };
}

async function storeWithLeads(dir: string, n: number): Promise<void> {
  const store = LmdbStore.open(dir);
  for (let i = 0; i < n; i++) await store.putLead(lead(i));
  await store.close();
}

const refusal = (dir: string): string => {
  try {
    LmdbStore.open(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return (error as Error).message;
  }
  throw new Error('the store opened');
};

describe('data folder integrity at start', () => {
  it('records the store in store.json (0600) and opens it again as it was', async () => {
    const dir = folder();
    await storeWithLeads(dir, 12);
    const manifest = JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ storeId: expect.any(String), leads: 12 });
    expect(statSync(join(dir, 'store.json')).mode & 0o777).toBe(0o600);
    const store = LmdbStore.open(dir);
    expect((await store.stats()).leads).toBe(12);
    await store.close();
  });

  it('refuses a folder whose data.mdb was deleted or emptied, naming what lived there', async () => {
    const dir = folder();
    await storeWithLeads(dir, 30);
    writeFileSync(join(dir, 'data.mdb'), '');
    expect(refusal(dir)).toMatch(/data\.mdb is empty, but store\.json says store \S+ lived here \(30 leads/);
    rmSync(join(dir, 'data.mdb'));
    expect(refusal(dir)).toMatch(/data\.mdb is missing/);
    // Nothing was created in its place.
    expect(() => statSync(join(dir, 'data.mdb'))).toThrow();
  });

  it('refuses a truncated data.mdb before LMDB maps it', async () => {
    const dir = folder();
    await storeWithLeads(dir, 200);
    const size = statSync(join(dir, 'data.mdb')).size;
    truncateSync(join(dir, 'data.mdb'), Math.floor(size / 2));
    expect(refusal(dir)).toMatch(/data\.mdb is truncated/);
  });

  it('refuses a data.mdb whose first pages were overwritten', async () => {
    const dir = folder();
    await storeWithLeads(dir, 20);
    const bytes = readFileSync(join(dir, 'data.mdb'));
    randomBytes(8192).copy(bytes, 0);
    writeFileSync(join(dir, 'data.mdb'), bytes);
    expect(refusal(dir)).toMatch(/does not start with LMDB meta pages/);
  });

  it('refuses when random bytes inside the lead pages lose records', async () => {
    const dir = folder();
    await storeWithLeads(dir, 482);
    const bytes = readFileSync(join(dir, 'data.mdb'));
    const page = Math.floor(bytes.indexOf(Buffer.from('p200@example.com')) / 4096) * 4096;
    randomBytes(4096 - 24).copy(bytes, page + 24);
    writeFileSync(join(dir, 'data.mdb'), bytes);
    // Read in a child process at server start: a fault of LMDB on the garbage cannot take it down.
    await expect(startTestLeadbot({}, dir)).rejects.toThrow(
      /reading the leads (failed|crashed)|can be read \(damaged\)/,
    );
  });

  it("refuses another store's data.mdb copied into the folder", async () => {
    const mine = folder();
    const other = folder();
    await storeWithLeads(mine, 3);
    await storeWithLeads(other, 5);
    copyFileSync(join(other, 'data.mdb'), join(mine, 'data.mdb'));
    expect(refusal(mine)).toMatch(/data\.mdb is store \S+, but this folder's store is \S+ \(replaced\?\)/);
  });

  it('the server refuses to start on a damaged folder with that message (no crash, nothing served)', async () => {
    const dir = folder();
    await storeWithLeads(dir, 50);
    truncateSync(join(dir, 'data.mdb'), 8192 + 100);
    await expect(startTestLeadbot({}, dir)).rejects.toThrow(/data\.mdb is truncated/);
  });
});
