import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cruise, type ICruiseOptions, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tsConfigFile = join(root, 'tsconfig.json');

/** The project's rule set (`.dependency-cruiser.js`), cruising from `baseDir`. */
async function layerOptions(baseDir: string, extra: Partial<ICruiseOptions> = {}): Promise<ICruiseOptions> {
  const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.js'));
  return { ...options, baseDir, tsConfig: { fileName: tsConfigFile }, ...extra };
}

async function violationsOf(files: string[], options: ICruiseOptions): Promise<IViolation[]> {
  const { output } = await cruise(files, options, {}, { tsConfig: extractTSConfig(tsConfigFile) });
  const result = output as ICruiseResult;
  return result.summary.violations.filter((violation) => violation.rule.severity !== 'ignore');
}

const describeViolation = (v: IViolation) => `${v.rule.name}: ${v.from} → ${v.to}`;

describe('layer rules (dependency-cruiser)', () => {
  it('the real tree breaks no rule', async () => {
    const options = await layerOptions(root, {});
    const violations = await violationsOf(['src', 'machines', 'skills'], options);
    expect(violations.map(describeViolation)).toEqual([]);
  });

  describe('on a fixture that breaks each rule', () => {
    let dir: string;
    let found: string[];

    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'leadbot-layers-'));
      // A package named like an SDK, resolved from the fixture's own node_modules.
      write('node_modules/lmdb/package.json', '{ "name": "lmdb", "version": "0.0.0", "main": "index.js" }\n');
      write('node_modules/lmdb/index.js', 'export const open = () => undefined;\n');
      write('node_modules/zod/package.json', '{ "name": "zod", "version": "0.0.0", "main": "index.js" }\n');
      write('node_modules/zod/index.js', 'export const z = {};\n');
      write('src/protocol/index.ts', 'export type Language = "es" | "en";\n');
      write(
        'src/ports/store.ts',
        "import type { Language } from '../protocol/index.ts';\nexport type L = Language;\n",
      );
      write(
        'src/ports/bad.ts',
        "import { z } from 'zod';\nimport { tick } from '../runtime/engine.ts';\nexport { z, tick };\n",
      );
      write('src/ports/typed.ts', "import type { z } from 'zod';\nexport type Z = typeof z;\n");
      write(
        'src/adapters/lmdb-thing.ts',
        "import { open } from 'lmdb';\nimport { tick } from '../runtime/engine.ts';\nexport { open, tick };\n",
      );
      write(
        'src/runtime/engine.ts',
        "import { open } from '../adapters/lmdb-thing.ts';\nexport const tick = () => open;\n",
      );
      write(
        'src/channels/chan.ts',
        "import type { L } from '../ports/store.ts';\nimport '../adapters/lmdb-thing.ts';\nexport type C = L;\n",
      );
      write('src/nlu/words.ts', "import '../main.ts';\nexport const word = 'x';\n");
      write(
        'src/main.ts',
        "import '../machines/x.ts';\nimport './adapters/lmdb-thing.ts';\nexport const main = 1;\n",
      );
      write(
        'src/composition/parts.ts',
        "import './../adapters/lmdb-thing.ts';\nimport '../runtime/engine.ts';\n",
      );
      write('src/cli/index.ts', "import '../main.ts';\n");
      write(
        'machines/x.ts',
        "import { open } from 'lmdb';\nimport '../src/runtime/engine.ts';\nexport const x = open;\n",
      );
      write('skills/tool.ts', "import type { open } from 'lmdb';\nexport type Open = typeof open;\n");
      write('skills/bot.ts', "import 'grammy';\n"); // not installed in the fixture: cannot resolve
      const violations = await violationsOf(['src', 'machines', 'skills'], await layerOptions(dir));
      found = violations.map(describeViolation);
    });

    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('finds a machine or skill importing an SDK, even type-only', () => {
      expect(found).toContain('core-no-sdk: machines/x.ts → node_modules/lmdb/index.js');
      expect(found).toContain('core-no-sdk: skills/tool.ts → node_modules/lmdb/index.js');
    });

    it('finds an SDK import that does not resolve, by its name', () => {
      expect(found).toContain('core-no-sdk: skills/bot.ts → grammy');
      expect(found).toContain('not-to-unresolvable: skills/bot.ts → grammy');
    });

    it('finds a machine importing the runtime', () => {
      expect(found).toContain('core-no-infrastructure: machines/x.ts → src/runtime/engine.ts');
    });

    it('finds src/main.ts imported from outside the CLI, and lets the CLI import it', () => {
      expect(found).toContain('main-only-from-cli: src/nlu/words.ts → src/main.ts');
      expect(found.filter((v) => v.includes('src/cli/'))).toEqual([]);
    });

    it('finds an adapter importing the runtime, and the runtime or a channel importing an adapter', () => {
      expect(found).toContain('adapters-no-runtime: src/adapters/lmdb-thing.ts → src/runtime/engine.ts');
      expect(found).toContain(
        'runtime-channels-no-adapters: src/runtime/engine.ts → src/adapters/lmdb-thing.ts',
      );
      expect(found).toContain(
        'runtime-channels-no-adapters: src/channels/chan.ts → src/adapters/lmdb-thing.ts',
      );
    });

    it('finds a port importing beyond protocol and ports, or zod at run time', () => {
      expect(found).toContain('ports-only-protocol: src/ports/bad.ts → src/runtime/engine.ts');
      expect(found).toContain('ports-zod-type-only: src/ports/bad.ts → node_modules/zod/index.js');
      expect(
        found.filter((v) => v.includes('src/ports/typed.ts') || v.includes('src/ports/store.ts')),
      ).toEqual([]);
    });

    it('finds import cycles', () => {
      expect(found).toContain('no-circular: src/adapters/lmdb-thing.ts → src/runtime/engine.ts');
    });

    it('lets src/main.ts and src/composition/ import anything', () => {
      expect(found.filter((v) => /: src\/(main\.ts|composition\/)/.test(v))).toEqual([]);
    });
  });
});
