/**
 * A live conversation on its state chart, in Debian Chromium: an operator opens
 * /console/conversations/:id while a prospect writes over REST, and sees the highlighted state move
 * from `capture` to `handoff` as the lead completes, with the path so far listed.
 */
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { describeInChromium, launchChromium } from '../helpers/chromium.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';

const TOKEN = 'chart-e2e-operator-token-01';

describeInChromium('state chart e2e', 'a live conversation on its state chart in a real browser', () => {
  let browser: Browser;
  let node: Leadbot & { url: string };

  beforeAll(async () => {
    node = await startTestLeadbot({ LEADBOT_OPERATOR_TOKENS: `Ana=${TOKEN}` });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await node?.close();
  });

  const say = async (message: string) => {
    const res = await fetch(`${node.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender: 'chart-p1', message }),
    });
    expect(res.status).toBe(200);
  };

  it('the highlighted state follows the conversation from capture to handoff, live', async () => {
    await say('Hola, necesitamos cotizar la planificación de rutas para 30 camiones');
    const errors: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${node.url}/console`);
    await page.getByTestId('login-token').fill(TOKEN);
    await page.getByTestId('login-submit').click();
    // Logged in: the login screen is gone (the session cookie is set).
    await expect.poll(() => page.locator('#login-screen').isHidden(), { timeout: 10_000 }).toBe(true);

    errors.length = 0; // the console's session check before login answers 401, as it should
    await page.goto(`${node.url}/console/conversations/${encodeURIComponent('demo:rest:chart-p1')}`);
    const current = page.getByTestId('current-state');
    await expect.poll(() => current.textContent(), { timeout: 10_000 }).toBe('capture.waiting');
    const classOf = (id: string) => page.locator(`[id="state-${id}"]`).getAttribute('class');
    expect(await classOf('capture.waiting')).toContain('current');
    expect(await classOf('handoff.waiting')).not.toContain('current');

    await say('Soy Ana Pérez, ana.perez@transportesandinos.com, de Transportes Andinos');
    await expect.poll(() => current.textContent(), { timeout: 10_000 }).toBe('handoff.waiting');
    expect(await classOf('handoff.waiting')).toContain('current');
    expect(await classOf('capture.waiting')).toContain('visited');
    expect(await classOf('capture.waiting')).not.toContain('current');
    const log = page.getByTestId('transitions');
    await expect.poll(() => log.textContent()).toContain('capture.routing → qualify');
    expect(await log.textContent()).toContain('canClose');
    expect(await log.textContent()).toContain('+ name, email');
    expect(await log.textContent()).toContain('xstate.init');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
