import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { tenantsFolder } from '../helpers/tenants.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

/** A tenants folder: demo as shipped, and `shop` with the given `rest` settings. */
const tenants = (rest?: Record<string, unknown>) => tenantsFolder({ shop: rest ? { rest } : {} });

describe('authenticated REST', () => {
  let node: (Leadbot & { url: string }) | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });
  const post = (tenant: string, token?: string, sender = 'auth-1') =>
    fetch(`${node!.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ sender, message: 'Hola, quiero cotizar', tenant }),
    });
  const code = async (res: Response) => ({
    status: res.status,
    code: res.ok ? 'ok' : ((await res.json()) as { error: { code: string } }).error.code,
  });

  it('LEADBOT_REST_TOKEN: no token or a wrong one is 401 and nothing is answered; the right one talks', async () => {
    node = await startTestLeadbot({ LEADBOT_REST_TOKEN: 'rest-secret-0001' });
    expect(await code(await post('demo'))).toEqual({ status: 401, code: 'unauthorized' });
    expect(await code(await post('demo', 'guess'))).toEqual({ status: 401, code: 'unauthorized' });
    const ok = await post('demo', 'rest-secret-0001');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { text: string }[])[0]!.text).toBeTruthy();
  });

  it("a tenant's own token (stored hashed) opens that tenant only", async () => {
    node = await startTestLeadbot({ LEADBOT_TENANTS_DIR: tenants({ tokenSha256: [sha('shop-token-42')] }) });
    expect((await post('shop', 'shop-token-42')).status).toBe(200);
    expect(await code(await post('shop'))).toEqual({ status: 401, code: 'unauthorized' });
    // demo has no token and the server is on loopback: open, as the embedded default is…
    expect((await post('demo')).status).toBe(200);
    // …but presenting shop's token to demo is a wrong token, not a pass.
    expect((await post('demo', 'shop-token-42')).status).toBe(401);
  });

  it('on a non-loopback address a tenant without a token refuses to start, unless it opts into open REST', async () => {
    await expect(startTestLeadbot({ HOST: '0.0.0.0' })).rejects.toThrow(/REST channel of demo has no token/);
    node = await startTestLeadbot({ HOST: '0.0.0.0', LEADBOT_CHANNELS: 'web' });
    await node.close();
    node = await startTestLeadbot({ HOST: '0.0.0.0', LEADBOT_REST_TOKEN: 'rest-secret-0002' });
    expect((await post('demo')).status).toBe(401);
    await node.close();
    const dir = tenants({ open: true });
    writeFileSync(
      join(dir, 'demo', 'tenant.json'),
      JSON.stringify({
        ...JSON.parse(readFileSync(join(dir, 'demo', 'tenant.json'), 'utf8')),
        rest: { open: true },
      }),
    );
    node = await startTestLeadbot({ HOST: '0.0.0.0', LEADBOT_TENANTS_DIR: dir });
    expect((await post('shop')).status).toBe(200);
  }, 30_000);
});
