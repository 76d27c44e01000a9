/**
 * The human handoff end to end in Debian Chromium: a prospect in the web widget reports an outage →
 * local recorders standing in for Slack and Teams receive the alerts → an operator logs into the
 * console in a second browser, takes over and writes → the prospect sees it and answers → the
 * operator sees the answer live and the bot stays silent → give back → the bot answers again.
 */
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { describeInChromium, launchChromium } from '../helpers/chromium.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { startRecorder } from '../helpers/recorder.ts';

const MARTA = 'marta-e2e-operator-token-01';
const OUTAGE =
  'Hola, soy Luis Pérez de Rutas MX, luis@rutas.mx. Se cayó todo el sistema, no podemos facturar y es urgente';

describeInChromium('handoff e2e', 'human handoff in real browsers', () => {
  let browser: Browser;
  let node: Leadbot & { url: string };
  let recorder: Awaited<ReturnType<typeof startRecorder>>;

  beforeAll(async () => {
    recorder = await startRecorder();
    node = await startTestLeadbot({
      LEADBOT_SLACK_WEBHOOK_URL: `${recorder.url}/slack/T0/B0/X`,
      LEADBOT_TEAMS_WEBHOOK_URL: `${recorder.url}/teams/workflows/1`,
      LEADBOT_OPERATOR_TOKENS: `Marta=${MARTA}`,
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await node?.close();
    await recorder?.close();
  });

  const bubbles = (page: Page, role: string) => page.locator(`[data-leadbot="message"][data-role="${role}"]`);

  it('widget → Slack and Teams alerts → console takeover → messages both ways → give back', async () => {
    const errors: string[] = [];
    const prospectContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const prospect = await prospectContext.newPage();
    prospect.on('pageerror', (e) => errors.push(`widget: ${e.message}`));
    await prospect.goto(`${node.url}/#chat`);
    const input = prospect.locator('[data-leadbot="input"]');
    await input.waitFor({ state: 'visible' });
    const say = async (text: string) => {
      await input.fill(text);
      await input.press('Enter');
    };
    await say(OUTAGE);
    await expect.poll(() => bubbles(prospect, 'bot').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await bubbles(prospect, 'bot').last().textContent()).toMatch(/persona del equipo/);

    const started = Date.now();
    await expect
      .poll(() => recorder.received.map((r) => r.path.split('/')[1]).sort(), { timeout: 10_000 })
      .toEqual(['slack', 'teams']);
    expect(Date.now() - started).toBeLessThan(10_000);

    // The operator, in a second browser.
    const operatorContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const console_ = await operatorContext.newPage();
    console_.on('pageerror', (e) => errors.push(`console: ${e.message}`));
    console_.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/.test(m.text())) errors.push(m.text());
    });
    await console_.goto(`${node.url}/console`);
    await console_.getByTestId('login-token').fill(MARTA);
    await console_.getByTestId('login-submit').click();
    const queued = console_.getByTestId('queue-item').first();
    await queued.waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => queued.textContent()).toContain('Luis');
    await queued.click();
    await console_.getByTestId('transcript').getByText('Se cayó todo el sistema', { exact: false }).waitFor();
    await console_.getByTestId('takeover').click();
    await expect.poll(() => console_.getByTestId('owner').textContent()).toContain('Marta');

    await expect.poll(() => bubbles(prospect, 'notice').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await bubbles(prospect, 'notice').last().textContent()).toContain('Marta');

    await console_.getByTestId('composer-input').fill('Hola Luis, soy Marta. Ya estoy revisando su cuenta.');
    await console_.getByTestId('composer-send').click();
    await expect
      .poll(() => bubbles(prospect, 'agent').last().textContent(), { timeout: 10_000 })
      .toContain('Ya estoy revisando su cuenta');

    const botBefore = await bubbles(prospect, 'bot').count();
    await say('Gracias Marta, seguimos sin poder facturar');
    await console_
      .locator('[data-testid="message"][data-from="prospect"]')
      .getByText('seguimos sin poder facturar')
      .waitFor({ timeout: 10_000 });
    await prospect.waitForTimeout(800);
    expect(await bubbles(prospect, 'bot').count()).toBe(botBefore);

    await console_.getByTestId('release').click();
    await expect.poll(() => bubbles(prospect, 'notice').count(), { timeout: 10_000 }).toBeGreaterThan(1);
    await say('¿Cuánto cuesta el plan Profesional?');
    await expect.poll(() => bubbles(prospect, 'bot').count(), { timeout: 20_000 }).toBeGreaterThan(botBefore);
    expect(await bubbles(prospect, 'bot').last().textContent()).toMatch(/Profesional/);
    expect(errors).toEqual([]);
    await prospectContext.close();
    await operatorContext.close();
  }, 90_000);
});
