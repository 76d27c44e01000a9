/**
 * A CRM outage as the operator console shows it, in Debian Chromium: while pushes fail the top bar
 * says so (how many leads wait, since when), in Spanish and in English.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { describeInChromium, launchChromium } from '../helpers/chromium.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

const OPERATOR = 'lucia-e2e-operator-token-01';

describeInChromium('console CRM status e2e', 'the console shows a CRM outage', () => {
  let browser: Browser;
  let node: Leadbot & { url: string };
  let crm: Server;

  beforeAll(async () => {
    // The CRM's load balancer answers 503: its app is down.
    crm = createServer((req, res) => req.resume().on('end', () => res.writeHead(503).end()));
    await new Promise<void>((r) => crm.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-console-crm-'));
    writeFileSync(
      join(dir, 'settings.json'),
      JSON.stringify({ crm: { baseBackoffMs: 50, maxBackoffMs: 200 } }),
    );
    node = await startTestLeadbot({
      LEADBOT_CRM_WEBHOOK_URL: `http://127.0.0.1:${(crm.address() as AddressInfo).port}/leads`,
      LEADBOT_CRM_WEBHOOK_SECRET: 'whsec-console',
      LEADBOT_CONFIG: join(dir, 'settings.json'),
      LEADBOT_OPERATOR_TOKENS: `Lucía=${OPERATOR}`,
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await node?.close();
    crm?.closeAllConnections();
    crm?.close();
  });

  it('says the CRM is not answering, how many leads wait and since when', async () => {
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'crm-down-1' });
    await ws.say('Hola, quiero una cotización del plan Profesional para 30 camiones');
    await ws.say('Soy Elena Martín');
    await ws.say('elena@martin-transportes.es');
    await ws.close();

    const context = await browser.newContext({ locale: 'es-ES', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${node.url}/console`);
    await page.getByTestId('login-token').fill(OPERATOR);
    await page.getByTestId('login-submit').click();
    const status = page.getByTestId('crm-status');
    await status.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await status.textContent()).toMatch(
      /^El CRM no responde: 1 en espera, el más antiguo hace \d+ s$/,
    );
    await page.getByTestId('lang-toggle').click();
    expect(await status.textContent()).toMatch(/^CRM not answering: 1 waiting, oldest \d+ s ago$/);
    expect(errors).toEqual([]);
    await context.close();
  });
});
