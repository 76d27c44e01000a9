import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Database, Key } from 'lmdb';
import { StorageError } from '../errors.ts';

/**
 * Start-up checks of a data folder, before and right after LMDB opens it, so a damaged or missing
 * store is refused with a message that says what happened instead of crashing (a truncated file
 * makes LMDB fault on memory it maps) or silently starting empty.
 *
 * - `store.json` (beside `data.mdb`, mode 0600) names the store (`storeId`), when it was created and
 *   how many leads it held when last checked. It is written at start and at a clean stop.
 * - Before opening: a folder whose `store.json` says a store lived here but whose `data.mdb` is
 *   missing or empty is refused (it was deleted or lost); so is a `data.mdb` whose two meta pages
 *   are not LMDB's (overwritten) or which is shorter than its own last page (truncated).
 * - After opening: the store's own id (kept inside LMDB) must be the folder's (else another store
 *   was copied in).
 * - At server start, {@link scanLeads} reads every lead in a child process: it must find as many as
 *   LMDB's counters say (random bytes inside a page lose records without any error, or make LMDB
 *   fault, which must not take the server down without a word).
 */

const MANIFEST = 'store.json';
const LMDB_MAGIC = 0xbeefc0de;

export interface StoreManifest {
  storeId: string;
  createdAt: string;
  checkedAt: string;
  leads: number;
}

function refuse(dataDir: string, what: string): never {
  throw new StorageError(
    `The data folder ${dataDir} is not usable: ${what}. Nothing was changed. Restore the folder from a ` +
      `backup (docs/troubleshooting.md#a-damaged-or-missing-data-folder), or, to start an empty store on purpose, move the folder away.`,
  );
}

export function readManifest(dataDir: string): StoreManifest | undefined {
  const path = join(dataDir, MANIFEST);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<StoreManifest>;
    if (typeof parsed.storeId !== 'string') throw new Error('no storeId');
    return {
      storeId: parsed.storeId,
      createdAt: String(parsed.createdAt ?? ''),
      checkedAt: String(parsed.checkedAt ?? ''),
      leads: Number(parsed.leads ?? 0),
    };
  } catch (error) {
    return refuse(dataDir, `${MANIFEST} is unreadable (${(error as Error).message})`);
  }
}

export function writeManifest(dataDir: string, manifest: StoreManifest): void {
  const path = join(dataDir, MANIFEST);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

interface MetaPage {
  pageSize: number;
  lastPage: number;
  txnId: number;
}

/** One of LMDB's two meta pages: magic, page size (in the free DB's pad) and last page number. */
function readMeta(buffer: Buffer, pageStart: number): MetaPage | undefined {
  for (let at = pageStart; at < pageStart + 64 && at + 160 <= buffer.length; at += 4) {
    if (buffer.readUInt32LE(at) !== LMDB_MAGIC) continue;
    const pageSize = buffer.readUInt32LE(at + 24);
    const lastPage = Number(buffer.readBigUInt64LE(at + 120));
    const txnId = Number(buffer.readBigUInt64LE(at + 128));
    if (pageSize >= 512 && pageSize <= 65_536) return { pageSize, lastPage, txnId };
  }
  return undefined;
}

/** The file checks, before LMDB maps it. */
export function checkDataFile(dataDir: string): void {
  const manifest = readManifest(dataDir);
  const file = join(dataDir, 'data.mdb');
  const size = existsSync(file) ? statSync(file).size : 0;
  if (size === 0) {
    if (manifest)
      refuse(
        dataDir,
        `data.mdb is ${existsSync(file) ? 'empty' : 'missing'}, but ${MANIFEST} says store ${manifest.storeId} ` +
          `lived here (${manifest.leads} leads on ${manifest.checkedAt})`,
      );
    return;
  }
  const head = Buffer.alloc(Math.min(size, 2 * 65_536));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const first = readMeta(head, 0);
  const second = readMeta(head, first?.pageSize ?? 4096);
  const newest = [first, second].filter((m) => m !== undefined).sort((a, b) => b.txnId - a.txnId)[0];
  if (!newest)
    refuse(dataDir, 'data.mdb does not start with LMDB meta pages (overwritten or not a leadbot store)');
  const needed = (newest.lastPage + 1) * newest.pageSize;
  if (size < needed)
    refuse(dataDir, `data.mdb is truncated (${size} bytes, its last page ends at ${needed})`);
}

/** The checks once open; returns the manifest to keep (written by the caller). */
export function checkOpenStore(
  dataDir: string,
  meta: Database<string, string>,
  leads: Database<unknown, Key>,
  now: Date,
): StoreManifest {
  const manifest = readManifest(dataDir);
  const ownId = meta.get('storeId');
  if (manifest && ownId && ownId !== manifest.storeId)
    refuse(dataDir, `data.mdb is store ${ownId}, but this folder's store is ${manifest.storeId} (replaced?)`);
  const storeId = ownId ?? manifest?.storeId ?? randomUUID();
  if (!ownId) meta.putSync('storeId', storeId);
  return {
    storeId,
    createdAt: manifest?.createdAt || now.toISOString(),
    checkedAt: now.toISOString(),
    leads: leads.getCount(),
  };
}

const SCANNER = new URL('../../bin/lmdb-scan.js', import.meta.url);

/** Reads every lead of the folder in a child process; refuses when that fails, crashes or finds fewer. */
export function scanLeads(dataDir: string): void {
  const file = join(dataDir, 'data.mdb');
  if (!existsSync(file) || statSync(file).size === 0) return;
  const child = spawnSync(process.execPath, [SCANNER.pathname, dataDir], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (child.signal)
    refuse(dataDir, `reading the leads crashed the check (${child.signal}): data.mdb is damaged`);
  let result: { read?: number; counted?: number; error?: string };
  try {
    result = JSON.parse(child.stdout) as typeof result;
  } catch {
    return refuse(
      dataDir,
      `the lead check could not run (${(child.stderr || child.error?.message || '').slice(0, 200)})`,
    );
  }
  if (result.error) refuse(dataDir, `reading the leads failed after ${result.read ?? 0} (${result.error})`);
  if (result.read !== result.counted)
    refuse(dataDir, `LMDB counts ${result.counted} leads but only ${result.read} can be read (damaged)`);
}
