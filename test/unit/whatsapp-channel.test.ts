import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ChannelDeps } from '../../src/channels/channel.ts';
import { createWhatsAppChannel } from '../../src/channels/whatsapp/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { capturingLogger } from '../helpers/log-capture.ts';
import { MemoryStore } from '../../src/ports/store.ts';
import { InProcessBus } from '../../src/runtime/in-process-bus.ts';
import { ROOT } from '../helpers/leadbot-process.ts';

const CREDENTIALS = {
  LEADBOT_WHATSAPP_TOKEN: 'EAAG-secret-value',
  LEADBOT_WHATSAPP_PHONE_NUMBER_ID: '1122334455667',
  LEADBOT_WHATSAPP_APP_SECRET: 'app-secret-value',
  LEADBOT_WHATSAPP_VERIFY_TOKEN: 'verify-token-value',
};

function depsFor(env: Record<string, string>): {
  deps: ChannelDeps;
  lines: () => Record<string, unknown>[];
  raw: () => string;
} {
  const capture = capturingLogger({ level: 'info' });
  const log = capture.logger;

  const config = loadConfig({ cwd: ROOT, env: { LEADBOT_LOG_LEVEL: 'silent', ...env } });
  const clock = { now: () => Date.now() };
  const bus = new InProcessBus({ concurrency: 1, maxQueuedPerConversation: 4, onHandlerError: () => {} });
  const deps: ChannelDeps = {
    config,
    log,
    clock,
    store: new MemoryStore(),
    app: Fastify(),
    intake: {
      bus,
      clock,
      tenants: new Map([
        ['demo', { id: 'demo', defaultLanguage: 'es' }],
      ]) as unknown as ChannelDeps['intake']['tenants'],
      defaultTenant: 'demo',
      maxInputChars: 4000,
    },
  };
  return {
    deps,
    raw: capture.text,
    lines: () => capture.lines,
  };
}

describe('createWhatsAppChannel', () => {
  it('is off without credentials, with one info line naming every missing variable', () => {
    const { deps, lines } = depsFor({});
    expect(createWhatsAppChannel(deps)).toBeUndefined();
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({
      level: 30,
      missing: [
        'LEADBOT_WHATSAPP_TOKEN',
        'LEADBOT_WHATSAPP_PHONE_NUMBER_ID',
        'LEADBOT_WHATSAPP_APP_SECRET',
        'LEADBOT_WHATSAPP_VERIFY_TOKEN',
      ],
    });
  });

  it('names only what is missing, never the values that are set', () => {
    const { LEADBOT_WHATSAPP_APP_SECRET: _a, LEADBOT_WHATSAPP_VERIFY_TOKEN: _b, ...partial } = CREDENTIALS;
    const { deps, lines, raw } = depsFor(partial);
    expect(createWhatsAppChannel(deps)).toBeUndefined();
    expect(lines()).toHaveLength(1);
    expect(lines()[0]!.missing).toEqual(['LEADBOT_WHATSAPP_APP_SECRET', 'LEADBOT_WHATSAPP_VERIFY_TOKEN']);
    expect(String(lines()[0]!.msg)).toContain('LEADBOT_WHATSAPP_APP_SECRET, LEADBOT_WHATSAPP_VERIFY_TOKEN');
    expect(raw()).not.toContain('EAAG-secret-value');
    expect(raw()).not.toContain('1122334455667');
  });

  it('is on with all four set, and closes cleanly', async () => {
    const { deps } = depsFor(CREDENTIALS);
    const channel = createWhatsAppChannel(deps);
    expect(channel?.name).toBe('whatsapp');
    await channel!.start();
    expect(channel!.status()).toMatchObject({
      mode: 'webhook',
      path: '/webhooks/whatsapp',
      tenant: 'demo',
      queued: 0,
    });
    await channel!.close();
    await deps.app.close();
  });

  it('refuses to start for a tenant that does not exist', () => {
    const { deps } = depsFor(CREDENTIALS);
    const withTenant = {
      ...deps,
      config: {
        ...deps.config,
        channels: { ...deps.config.channels, whatsapp: { ...deps.config.channels.whatsapp, tenant: 'acme' } },
      },
    };
    expect(() => createWhatsAppChannel(withTenant)).toThrow(ConfigError);
    expect(() => createWhatsAppChannel(withTenant)).toThrow(/acme/);
  });
});
