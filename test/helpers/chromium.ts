import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { describe, it } from 'vitest';

/** Debian's Chromium, driven by playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';
const INSTALL_HINT = 'Install it with `apt-get install -y chromium` (Debian/Ubuntu).';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * `describe(name, body)` when Chromium is installed. Without it: a failing test under `CI=true` (a
 * missing binary must not pass CI), else a skip that says what did not run and how to install it.
 */
export function describeInChromium(label: string, name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(label, () => {
      it('needs Chromium', () => {
        throw new Error(
          `Chromium not found at ${CHROMIUM}; the ${label} browser test cannot run. ${INSTALL_HINT}`,
        );
      });
    });
  } else {
    console.warn(`[${label}] skipped: Chromium not found at ${CHROMIUM}. ${INSTALL_HINT}`);
    describe.skip(`${label} (needs Chromium)`, () => {
      it('skipped', () => undefined);
    });
  }
}
