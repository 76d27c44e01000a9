import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { ADMIN_TOKEN, startTestLeadbot } from '../helpers/in-process.ts';
import { runCli } from '../helpers/run-cli.ts';
import { WsClient } from '../helpers/ws-client.ts';

/**
 * A CRM outage and a rejected lead as an operator sees them: `/health`, `/metrics`, the admin API
 * (`/api/outbox`, re-drive) and `leadbot outbox` on the data folder.
 */

const SECRET = 'whsec-outbox-admin';
const EMAIL = 'elena@martin-transportes.es';

/** A CRM whose answer the test sets: 200, 503 (down behind its load balancer) or 422 (rejects). */
async function crmReceiver() {
  const state = { status: 200, received: 0 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (state.status === 200) state.received++;
      res.writeHead(state.status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/leads`;
  return { url, state, server };
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let node: (Leadbot & { url: string }) | undefined;
let crm: Server | undefined;
afterEach(async () => {
  await node?.close();
  crm?.close();
  crm?.closeAllConnections();
  node = undefined;
});

async function start(url: string, dataDir = mkdtempSync(join(tmpdir(), 'leadbot-obx-'))) {
  const settings = join(dataDir, 'settings.json');
  writeFileSync(
    settings,
    JSON.stringify({ crm: { baseBackoffMs: 20, maxBackoffMs: 100, degradedAfterMs: 300 } }),
  );
  node = await startTestLeadbot(
    { LEADBOT_CRM_WEBHOOK_URL: url, LEADBOT_CRM_WEBHOOK_SECRET: SECRET, LEADBOT_CONFIG: settings },
    join(dataDir, 'data'),
  );
  return { node, dataDir: join(dataDir, 'data') };
}

async function completeLead(url: string, session: string): Promise<void> {
  const ws = await WsClient.connect(url, { tenant: 'demo', session });
  await ws.say('Hola, quiero una cotización del plan Profesional para 30 camiones');
  await ws.say('Soy Elena Martín');
  const r = await ws.say(EMAIL);
  expect(r.state).toBe('handoff');
  await ws.close();
}

/** The fields these tests read from /health, /metrics and the admin API. */
interface Body {
  status?: string;
  degraded?: string[];
  crm?: { pending: number; dead: number; receiver: string; oldest_pending_age_s: number | null };
  crm_outbox?: { pending: number; receiver: string; consecutive_failures: number };
  outbox?: { pending: number; dead: number };
  entries?: Array<{ id: string; lead_id: string; status: string }>;
  entry?: { status: string; attempts: number };
  leads?: Array<{ status: string; lead_id: string }>;
  error?: { code: string };
}

const json = async (url: string, init: RequestInit = {}) => {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Body };
};
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('the CRM outbox for operators', () => {
  it('a CRM outage shows in /health (degraded), /metrics and Prometheus; recovery clears it', async () => {
    const target = await crmReceiver();
    crm = target.server;
    target.state.status = 503;
    const { node } = await start(target.url);
    expect((await json(`${node.url}/health`)).body.crm).toMatchObject({ pending: 0, receiver: 'ok' });
    await completeLead(node.url, 'outage-1');
    const degraded = await until(async () => {
      const { body } = await json(`${node.url}/health`);
      return body.status === 'degraded' ? body : undefined;
    });
    expect(degraded.degraded).toEqual(['crm_unreachable']);
    expect(degraded.crm).toMatchObject({ pending: 1, dead: 0, receiver: 'failing' });
    expect(degraded.crm?.oldest_pending_age_s).toBeGreaterThanOrEqual(0);
    const metrics = (await json(`${node.url}/metrics`)).body;
    expect(metrics.crm_outbox).toMatchObject({ pending: 1, receiver: 'failing' });
    expect(metrics.crm_outbox?.consecutive_failures).toBeGreaterThan(0);
    const prom = await (await fetch(`${node.url}/metrics/prometheus`)).text();
    expect(prom).toMatch(/leadbot_outbox_entries\{status="pending"\} 1/);
    expect(prom).toMatch(/leadbot_outbox_consecutive_failures [1-9]/);
    target.state.status = 200;
    await until(async () => (await json(`${node.url}/health`)).body.status === 'ok');
    expect(target.state.received).toBe(1);
    expect((await json(`${node.url}/health`)).body.crm).toMatchObject({
      pending: 0,
      oldest_pending_age_s: null,
    });
  });

  it('a rejected lead is a dead letter the admin API lists (without personal data) and re-drives', async () => {
    const target = await crmReceiver();
    crm = target.server;
    target.state.status = 422;
    const { node } = await start(target.url);
    await completeLead(node.url, 'rejected-1');
    const list = await until(async () => {
      const { body } = await json(`${node.url}/api/outbox`, { headers: admin });
      return body.entries?.length === 1 ? body : undefined;
    });
    const entry = list.entries![0]!;
    expect(entry).toMatchObject({
      kind: 'crm.lead',
      tenant_id: 'demo',
      status: 'dead',
      last_error: 'HTTP 422',
    });
    expect(entry.lead_id).toEqual(expect.any(String));
    expect(JSON.stringify(list)).not.toContain(EMAIL);
    expect(list.outbox).toMatchObject({ dead: 1, pending: 0 });

    expect((await fetch(`${node.url}/api/outbox`)).status).toBe(401);
    const bad = await json(`${node.url}/api/outbox?status=lost`, { headers: admin });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_message' } } });
    const unknown = await json(`${node.url}/api/outbox/nope/redrive`, { method: 'POST', headers: admin });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });

    target.state.status = 200;
    const id = encodeURIComponent(entry.id);
    const redriven = await json(`${node.url}/api/outbox/${id}/redrive`, { method: 'POST', headers: admin });
    expect(redriven).toMatchObject({ status: 200, body: { entry: { status: 'pending', attempts: 0 } } });
    await until(() => target.state.received === 1);
    const again = await json(`${node.url}/api/outbox/${id}/redrive`, { method: 'POST', headers: admin });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'not_dead' } } });
    const lead = await until(async () => {
      const { body } = await json(`${node.url}/api/leads?tenant=demo`, { headers: admin });
      return body.leads?.find((l) => l.status === 'delivered');
    });
    expect(lead.lead_id).toBe(entry.lead_id);
  });

  it('without a CRM webhook the outbox routes say so (after checking the token)', async () => {
    node = await startTestLeadbot();
    expect((await fetch(`${node.url}/api/outbox`)).status).toBe(401);
    const none = await json(`${node.url}/api/outbox`, { headers: admin });
    expect(none.status).toBe(404);
    expect(JSON.stringify(none.body)).toContain('LEADBOT_CRM_WEBHOOK_URL');
    expect((await json(`${node.url}/health`)).body.crm).toBeUndefined();
  });

  it('leadbot outbox lists and re-drives dead letters on the data folder', async () => {
    const target = await crmReceiver();
    crm = target.server;
    target.state.status = 400;
    const { node, dataDir } = await start(target.url);
    await completeLead(node.url, 'cli-1');
    await until(
      async () => (await json(`${node.url}/api/outbox`, { headers: admin })).body.entries?.length === 1,
    );
    await node.close();
    const env = { LEADBOT_DATA_DIR: dataDir };
    const status = await runCli(['outbox', 'status'], '', env);
    expect(status).toMatchObject({ code: 0 });
    expect(status.stdout).toContain('pending 0 · delivered 0 · dead 1');
    const list = await runCli(['outbox', 'list'], '', env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/crm\.lead:demo:\S+\s+demo\s+crm\.lead\s+1\s+.*HTTP 400/);
    expect(list.stdout).not.toContain(EMAIL);
    const usage = await runCli(['outbox', 'redrive'], '', env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('redrive needs one entry id, or --all');
    const all = await runCli(['outbox', 'redrive', '--all'], '', env);
    expect(all).toMatchObject({ code: 0, stdout: 're-drove 1 dead letter(s)\n' });
    const pending = await runCli(['outbox', 'list', '--pending', '--json'], '', env);
    const [entry] = JSON.parse(pending.stdout) as Array<Record<string, unknown>>;
    expect(entry).toMatchObject({ status: 'pending', attempts: 0, kind: 'crm.lead' });
    expect(entry).not.toHaveProperty('payload');
    const missing = await runCli(['outbox', 'redrive', 'nope'], '', env);
    expect(missing.code).toBe(1);
  });
});
