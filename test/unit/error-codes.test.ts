import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.ts';
import { ROOT } from '../helpers/leadbot-process.ts';

describe('documented error codes', () => {
  it('docs/api.md "Error codes" lists exactly the codes in src/errors.ts', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
    const section = doc.split('## Error codes')[1]?.split('\n## ')[0] ?? '';
    const documented = [...section.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(ERROR_CODES).sort());
  });
});
