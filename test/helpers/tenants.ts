import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './leadbot-process.ts';

/**
 * A tenants folder for a test: the shipped `demo` tenant, plus one copy of it per entry of `others`
 * (keyed by the new tenant id), with the given fields set in its tenant.json.
 */
export function tenantsFolder(others: Record<string, Record<string, unknown>> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-tenants-'));
  cpSync(join(ROOT, 'config/tenants/demo'), join(dir, 'demo'), { recursive: true });
  for (const [id, fields] of Object.entries(others)) {
    cpSync(join(ROOT, 'config/tenants/demo'), join(dir, id), { recursive: true });
    const file = join(dir, id, 'tenant.json');
    const tenant = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...tenant, ...fields, id }));
  }
  return dir;
}
