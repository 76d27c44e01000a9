import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { DiskGuard, isOutOfSpace, statfsFree } from '../../src/runtime/disk-guard.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { startLeadbotProcess, type LeadbotProcess } from '../helpers/leadbot-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

/**
 * The data disk filling up, on a real small file system (a tmpfs the test mounts; it needs root, as
 * in CI) and on the real disk with a threshold above its free space: intake refuses honestly
 * (503 with Retry-After for webhooks, a polite message in the widget), `/health` says `degraded`,
 * nothing is half-written, and the node recovers by itself once space is free.
 */

let node: (Leadbot & { url: string }) | undefined;
const mounts: string[] = [];
const processes: LeadbotProcess[] = [];
afterEach(async () => {
  await node?.close();
  node = undefined;
  for (const child of processes.splice(0)) await child.stop('SIGKILL');
  for (const dir of mounts.splice(0)) {
    try {
      execFileSync('umount', [dir]);
    } catch {
      // already gone
    }
  }
});

/** A 24 MB tmpfs, or undefined when this machine does not let the test mount one. */
function smallDisk(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

const rest = (url: string, sender: string, message: string) =>
  fetch(`${url}/webhooks/rest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sender, message }),
  });

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function health(url: string): Promise<{ status: string; degraded?: string[]; disk?: object }> {
  return (await (await fetch(`${url}/health`)).json()) as { status: string; degraded?: string[] };
}

describe('a full data disk', () => {
  it('on a small file system: refused while full, answered again once space is freed', async (ctx) => {
    const disk = smallDisk();
    if (!disk) {
      console.warn('[disk-full] skipped the tmpfs case: mounting needs root (CI runs as root)');
      ctx.skip();
      return;
    }
    const settings = join(tmpdir(), `leadbot-disk-settings-${process.pid}.json`);
    writeFileSync(settings, JSON.stringify({ storage: { minFreeMb: 8, checkIntervalMs: 100 } }));
    node = await startTestLeadbot({ LEADBOT_CONFIG: settings }, join(disk, 'data'));
    expect((await rest(node.url, 'before', 'Hola, quiero una cotización')).status).toBe(200);
    // Something else on the machine fills the disk.
    mkdirSync(join(disk, 'other'));
    writeFileSync(join(disk, 'other', 'filler'), Buffer.alloc(Math.max(0, statfsFree(disk) - 4 * 2 ** 20)));
    await until(async () => (await health(node!.url)).status === 'degraded');
    expect((await health(node.url)).degraded).toContain('disk_full');
    const refused = await rest(node.url, 'during', 'Hola, necesito soporte');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('overloaded');
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'disk-ws' });
    ws.socket.send(JSON.stringify({ type: 'user.message', id: 'd-1', text: 'Hola' }));
    const error = (await ws.next('error')) as unknown as { code: string; retryAfterS: number };
    expect(error).toMatchObject({ code: 'overloaded', retryAfterS: expect.any(Number) });
    await ws.close();
    // Nothing of the refused message was stored.
    expect(await node.store.getConversation('demo:rest:during')).toBeUndefined();
    rmSync(join(disk, 'other'), { recursive: true });
    await until(async () => (await health(node!.url)).status === 'ok');
    const after = await rest(node.url, 'during', 'Hola, necesito soporte');
    expect(after.status).toBe(200);
    expect(((await after.json()) as unknown[]).length).toBeGreaterThan(0);
  });

  it('the disk fills up between two samples, mid-turn: an honest 503 (nothing kept), no crash, the retry is answered once space is back', async (ctx) => {
    const disk = smallDisk();
    if (!disk) {
      console.warn('[disk-full] skipped the mid-turn case: mounting needs root (CI runs as root)');
      ctx.skip();
      return;
    }
    // The guard never samples during the test: only the failing write itself can notice.
    const settings = join(tmpdir(), `leadbot-disk-turn-${process.pid}.json`);
    writeFileSync(settings, JSON.stringify({ storage: { minFreeMb: 0, checkIntervalMs: 600_000 } }));
    const child = await startLeadbotProcess({
      env: { LEADBOT_CONFIG: settings },
      dataDir: join(disk, 'data'),
    });
    processes.push(child);
    const post = (sender: string, message: string, id: string) =>
      fetch(`${child.url}/webhooks/rest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sender, message, message_id: id }),
      });
    expect((await post('first', 'Hola, quiero una cotización', 'f-1')).status).toBe(200);
    mkdirSync(join(disk, 'other'));
    for (const name of ['a', 'b'])
      try {
        writeFileSync(join(disk, 'other', name), Buffer.alloc(statfsFree(disk)));
      } catch {
        // full
      }
    const need = 'Necesito soporte: el checkout de mi tienda no funciona y estamos perdiendo ventas. '.repeat(
      12,
    );
    const refused = await post('during', need, 'd-1');
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('overloaded');
    // The node is still up and says why.
    expect(child.child.exitCode).toBeNull();
    expect((await fetch(`${child.url}/health`)).status).toBe(200);
    rmSync(join(disk, 'other'), { recursive: true });
    // The same message id again, once space is back: processed now (it was not kept, so not a duplicate).
    let after: Response | undefined;
    await until(async () => (after = await post('during', need, 'd-1')).status === 200, 20_000);
    const replies = (await after!.json()) as { text: string }[];
    expect(replies.length).toBeGreaterThan(0);
    const auth = { authorization: `Bearer ${child.adminToken}` };
    const exported = (await (
      await fetch(`${child.url}/api/contacts/${encodeURIComponent('demo:rest:during')}`, { headers: auth })
    ).json()) as { conversations: { history: { role: string }[] }[] };
    const asked = exported.conversations.flatMap((c) => c.history.filter((h) => h.role === 'user'));
    expect(asked).toHaveLength(1);
    expect(child.output()).toContain('the message could not be kept');
  }, 60_000);

  it('on the real disk: a threshold above its free space refuses; /health and /metrics say why', async () => {
    const free = statfsFree(tmpdir());
    const settings = join(tmpdir(), `leadbot-disk-real-${process.pid}.json`);
    const minFreeMb = Math.ceil(free / 2 ** 20) + 1024;
    writeFileSync(settings, JSON.stringify({ storage: { minFreeMb, checkIntervalMs: 100 } }));
    node = await startTestLeadbot({ LEADBOT_CONFIG: settings });
    const refused = await rest(node.url, 'real', 'Hola');
    expect(refused.status).toBe(503);
    const body = await health(node.url);
    expect(body).toMatchObject({ status: 'degraded', degraded: ['disk_full'] });
    expect(body.disk).toMatchObject({ full: true, reason: 'low_space', min_free_mb: minFreeMb });
    const metrics = (await (await fetch(`${node.url}/metrics`)).json()) as {
      admission: { refused: Record<string, number> };
    };
    expect(metrics.admission.refused.disk_full).toBeGreaterThan(0);
  });

  it('a write that fails for lack of space trips the guard for a while, other errors do not', () => {
    let now = 0;
    const guard = new DiskGuard({
      dataDir: tmpdir(),
      minFreeBytes: 1,
      clock: { now: () => now },
    });
    guard.sample();
    expect(guard.full()).toBe(false);
    guard.noteWriteError(new Error('EACCES: permission denied'));
    expect(guard.full()).toBe(false);
    const enospc = Object.assign(new Error('write failed'), {
      cause: Object.assign(new Error('x'), { code: 'ENOSPC' }),
    });
    expect(isOutOfSpace(enospc)).toBe(true);
    expect(isOutOfSpace(new Error('MDB_MAP_FULL: Environment mapsize limit reached'))).toBe(true);
    guard.noteWriteError(enospc);
    expect(guard.status()).toMatchObject({ full: true, reason: 'write_failed' });
    now += 6_000;
    expect(guard.full()).toBe(false);
  });
});
