import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { startLeadbot, type Leadbot, type StartOptions } from '../../src/main.ts';
import { ROOT } from './leadbot-process.ts';

export const ADMIN_TOKEN = 'test-admin-token';

/** The admission settings a node gets when no settings file changes them. */
const DEFAULT_ADMISSION = JSON.stringify(loadConfig({ cwd: ROOT, env: {} }).bus.admission);

/**
 * Starts a real leadbot (HTTP on a free port, LMDB in a temp dir) inside the test process.
 *
 * The node shares its event loop with the test that drives it (clients, fakes, the first turns'
 * JIT warm-up), so its own load measurements would refuse messages for the harness's work. Unless
 * a test sets `bus.admission` itself (saturation.test.ts does), the event-loop and CPU limits are
 * lifted; heap and disk checks stay.
 */
export async function startTestLeadbot(
  env: Record<string, string> = {},
  dataDir?: string,
  options: StartOptions = {},
): Promise<Leadbot & { url: string }> {
  const config = loadConfig({
    cwd: ROOT,
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      LEADBOT_DATA_DIR: dataDir ?? mkdtempSync(join(tmpdir(), 'leadbot-')),
      LEADBOT_ADMIN_TOKEN: ADMIN_TOKEN,
      LEADBOT_LOG_LEVEL: 'silent',
      ...env,
    },
  });
  const admission =
    JSON.stringify(config.bus.admission) === DEFAULT_ADMISSION
      ? {
          ...config.bus.admission,
          maxEventLoopDelayMs: 60_000,
          maxEventLoopUtilization: 1.01,
          maxCpuBacklogMs: 600_000,
        }
      : config.bus.admission;
  const node = await startLeadbot({ ...config, bus: { ...config.bus, admission } }, options);
  if (!node.url) throw new Error('leadbot started without HTTP');
  return node as Leadbot & { url: string };
}

export async function getLeads(
  url: string,
  token = ADMIN_TOKEN,
): Promise<{ status: number; body: { leads?: unknown[]; error?: { code: string } } }> {
  const res = await fetch(`${url}/api/leads`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as { leads?: unknown[] } };
}
