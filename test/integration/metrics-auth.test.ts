import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { ADMIN_TOKEN, startTestLeadbot } from '../helpers/in-process.ts';

describe('LEADBOT_METRICS_TOKEN and what /health says publicly', () => {
  let node: Leadbot & { url: string };
  beforeAll(async () => {
    node = await startTestLeadbot({ LEADBOT_METRICS_TOKEN: 'scrape-token-77' });
  });
  afterAll(() => node.close());
  const get = (path: string, token?: string) =>
    fetch(`${node.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('metrics need the metrics token (or the admin token) once one is set', async () => {
    for (const path of ['/metrics', '/metrics/prometheus']) {
      expect((await get(path)).status, path).toBe(401);
      expect((await get(path, 'wrong')).status, path).toBe(401);
      expect((await get(path, 'scrape-token-77')).status, path).toBe(200);
      expect((await get(path, ADMIN_TOKEN)).status, path).toBe(200);
    }
  });

  it('/health stays open and says how many tenants, not which', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; tenants: unknown };
    expect(body.status).toBe('ok');
    expect(body.tenants).toBe(1);
    expect(JSON.stringify(body)).not.toContain('"demo"');
  });
});
