import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { FloodControl } from '../../src/security/flood-control.ts';

const settings = {
  maxMessagesPerUserPerMinute: 3,
  maxMessagesPerTenantPerMinute: 5,
  blocksBeforeMute: 2,
  blockWindowMs: 60_000,
  muteMs: 120_000,
};

describe('FloodControl', () => {
  it('limits one person per minute (sliding) without touching others', () => {
    const f = new FloodControl(settings);
    expect([0, 1, 2, 3].map((t) => f.check('a', 't', t * 1000))).toEqual(['ok', 'ok', 'ok', 'user_limited']);
    expect(f.check('b', 't', 4000)).toBe('ok');
    // A minute after the first message, one slot is free again.
    expect(f.check('a', 't', 60_001)).toBe('ok');
  });

  it('limits a tenant across its conversations', () => {
    const f = new FloodControl(settings);
    const outcomes = ['a', 'b', 'c', 'd', 'e', 'f'].map((p, i) => f.check(p, 't1', i));
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'tenant_limited']);
    expect(f.check('z', 't2', 10)).toBe('ok');
  });

  it('repeated blocked messages mute a person for a while, then the mute lifts', () => {
    const f = new FloodControl(settings);
    expect(f.noteBlocked('a', 0)).toBe(false);
    expect(f.noteBlocked('a', 1000)).toBe(true);
    expect(f.check('a', 't', 2000)).toBe('muted');
    expect(f.check('a', 't', 121_001)).toBe('ok');
    // Blocks far apart never mute.
    expect(f.noteBlocked('b', 0)).toBe(false);
    expect(f.noteBlocked('b', 70_000)).toBe(false);
  });

  it('tells a limited person once a minute, and forgets idle people', () => {
    const f = new FloodControl(settings);
    expect(f.shouldTell('a', 0)).toBe(true);
    expect(f.shouldTell('a', 30_000)).toBe(false);
    expect(f.shouldTell('a', 60_000)).toBe(true);
    f.check('a', 't', 0);
    f.prune(10 * 60_000);
    expect(f.check('a', 't', 10 * 60_000)).toBe('ok');
  });
});

describe('SecurityConfig is enforced', () => {
  it('a temperature or token cap above the security limits refuses to start', () => {
    const env = (over: Record<string, string>) => ({ LEADBOT_LOG_LEVEL: 'silent', ...over });
    expect(() => loadConfig({ env: env({}) })).not.toThrow();
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-sec-'));
    const file = join(dir, 's.json');
    writeFileSync(file, JSON.stringify({ model: { temperature: 1.2, maxTokens: 4000 } }));
    expect(() => loadConfig({ env: env({ LEADBOT_CONFIG: file }) })).toThrow(
      /model\.temperature: 1\.2 is above security\.maxTemperature \(0\.7\)[\s\S]*model\.maxTokens: 4000 is above security\.maxOutputTokens/,
    );
    writeFileSync(file, JSON.stringify({ security: { maxMessagesPerUserPerMinute: 0 } }));
    expect(() => loadConfig({ env: env({ LEADBOT_CONFIG: file }) })).toThrow(
      /security\.maxMessagesPerUserPerMinute/,
    );
  });
});
