import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadTenants } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { ROOT } from '../helpers/leadbot-process.ts';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-config-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe('loadConfig', () => {
  it('has embedded defaults: 127.0.0.1:3000, ./data, demo tenant', () => {
    const config = loadConfig({ cwd: ROOT, env: {} });
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 3000 });
    expect(config.dataDir).toBe(join(ROOT, 'data'));
    expect(config.defaultTenant).toBe('demo');
    expect(config.secrets).toEqual({});
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('environment wins over files', () => {
    const config = loadConfig({
      cwd: ROOT,
      env: {
        PORT: '4100',
        HOST: '0.0.0.0',
        LEADBOT_DATA_DIR: '/tmp/x',
        LEADBOT_ADMIN_TOKEN: 's3cret',
        LEADBOT_NODE_ID: 'n1',
        LEADBOT_LOG_CONTENT: 'true',
      },
    });
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 4100 });
    expect(config.dataDir).toBe('/tmp/x');
    expect(config.secrets.adminToken).toBe('s3cret');
    expect(config.nodeId).toBe('n1');
    expect(config.log.content).toBe(true);
  });

  it('a file that is not JSON names the file', () => {
    const dir = dirWith({ 'config/default.json': '{ "server": ' });
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/config\/default\.json is not valid JSON/);
  });

  it('schema errors list every bad path', () => {
    const dir = dirWith({
      'config/default.json': JSON.stringify({ server: { port: 70000 }, bus: { concurrency: -1 }, typo: 1 }),
    });
    try {
      loadConfig({ cwd: dir, env: {} });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/server\.port/);
      expect(message).toMatch(/bus\.concurrency/);
      expect(message).toMatch(/typo/);
    }
  });

  it('reads cluster settings from the environment; a role without NATS is said at start', () => {
    const config = loadConfig({
      cwd: ROOT,
      env: { LEADBOT_NATS_URL: 'nats://127.0.0.1:4222', LEADBOT_ROLE: 'worker' },
    });
    expect(config.cluster).toMatchObject({
      natsUrl: 'nats://127.0.0.1:4222',
      role: 'worker',
      partitions: 16,
    });
    expect(config.warnings).toEqual([]);
    expect(loadConfig({ cwd: ROOT, env: { LEADBOT_ROLE: 'gateway' } }).warnings).toEqual([
      expect.stringMatching(/LEADBOT_ROLE=gateway needs cluster mode/),
    ]);
    expect(() => loadConfig({ cwd: ROOT, env: { LEADBOT_ROLE: 'boss' } })).toThrow(/cluster\.role/);
    expect(loadConfig({ cwd: ROOT, env: {} }).warnings).toEqual([]);
  });

  it('run from a folder without config/, the package defaults and demo tenant apply; data stays local', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-elsewhere-'));
    const config = loadConfig({ cwd: dir, env: {} });
    expect(config.tenantsDir).toBe(join(ROOT, 'config', 'tenants'));
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.sources).toEqual([join(ROOT, 'config', 'default.json')]);
  });

  it('bad environment values are reported by name', () => {
    expect(() => loadConfig({ cwd: ROOT, env: { PORT: 'eighty' } })).toThrow(/PORT="eighty"/);
    expect(() => loadConfig({ cwd: ROOT, env: { LEADBOT_LOG_CONTENT: 'maybe' } })).toThrow(
      /LEADBOT_LOG_CONTENT/,
    );
    expect(() => loadConfig({ cwd: ROOT, env: { LEADBOT_CONFIG: '/nonexistent/x.json' } })).toThrow(
      /Cannot read config file/,
    );
  });
});

describe('loadTenants', () => {
  it('loads the demo tenant with catalog and knowledge in both languages', () => {
    const tenants = loadTenants(join(ROOT, 'config', 'tenants'));
    const demo = tenants.get('demo')!;
    expect(demo.catalog.length).toBeGreaterThan(0);
    expect(demo.knowledge.some((k) => k.language === 'es')).toBe(true);
    expect(demo.knowledge.some((k) => k.language === 'en')).toBe(true);
  });

  it('a broken tenant file is a ConfigError naming it', () => {
    const dir = dirWith({ 'acme/tenant.json': JSON.stringify({ id: 'acme' }) });
    expect(() => loadTenants(dir)).toThrow(/acme\/tenant\.json[\s\S]*companyName/);
  });

  it('the folder must match the id', () => {
    const tenant = {
      id: 'other',
      companyName: 'X',
      tagline: { es: 'a', en: 'a' },
      welcome: { es: 'a', en: 'a' },
    };
    const dir = dirWith({ 'acme/tenant.json': JSON.stringify(tenant) });
    expect(() => loadTenants(dir)).toThrow(/must be named after the id/);
  });
});
