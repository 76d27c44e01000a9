import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC, configSections, renderConfigDoc } from '../../scripts/gen-config-docs.ts';
import { ENV_VARIABLES } from '../../src/config/load.ts';
import { ROOT } from '../helpers/leadbot-process.ts';

describe('docs/configuration.md', () => {
  it('is what `npm run docs:config` writes from the schema and the environment table', async () => {
    const current = readFileSync(CONFIG_DOC, 'utf8');
    const expected = await renderConfigDoc(current);
    if (expected !== current)
      expect.fail(
        'docs/configuration.md is stale: run `npm run docs:config` (it is generated from src/config/schema.ts and src/config/load.ts).',
      );
  });

  it('describes every setting', () => {
    const undocumented = configSections()
      .flatMap((section) => section.rows)
      .filter((row) => row.description.trim() === '')
      .map((row) => row.setting ?? row.env);
    expect(undocumented, 'add .describe(…) in src/config/schema.ts, then run `npm run docs:config`').toEqual(
      [],
    );
  });

  it('lists every environment variable src/config reads, once', () => {
    const dir = join(ROOT, 'src', 'config');
    const read = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')))
      for (const match of readFileSync(join(dir, file), 'utf8').matchAll(/\bLEADBOT_[A-Z0-9_]+\b/g))
        read.add(match[0]);
    const names = ENV_VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...read].filter((name) => !names.includes(name)).sort()).toEqual([]);
    for (const name of ['HOST', 'PORT', ...read])
      expect(readFileSync(CONFIG_DOC, 'utf8')).toContain(`\`${name}\``);
  });
});
