import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { startLeadbot, type Leadbot, type StartOptions } from '../../src/main.ts';
import { ROOT } from './leadbot-process.ts';

export const ADMIN_TOKEN = 'test-admin-token';

/** Starts a real leadbot (HTTP on a free port, LMDB in a temp dir) inside the test process. */
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
  const node = await startLeadbot(config, options);
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
