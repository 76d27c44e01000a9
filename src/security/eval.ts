/**
 * `npm run eval:security [-- [file-or-folder…] [--json] [--short N] [--max-fpr F]]`
 *
 * Scores labelled JSONL corpora with the ThreatDetector and prints recall at 1% FPR (overall, per
 * language, on short messages, per source), AUC, and recall / FPR at the detector's own block and
 * flag thresholds. Without arguments it reads the public corpus in `../shared/security-eval/` (next
 * to the project) and the project's own corpus in `test/fixtures-own/security/`. A report, not a
 * test: it exits 0 whatever the figures, 2 when there is nothing to read.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ThreatDetector } from './detector.ts';
import { corpusFiles, readCorpusFile, type CorpusItem, type CorpusProblem } from './eval-corpus.ts';
import { rateAt, reportSubset, type Scored, type SubsetReport } from './eval-metrics.ts';
import { renderText, type EvalTiming } from './eval-render.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PUBLIC_DIR = resolve(ROOT, '../shared/security-eval');
const OWN_DIR = resolve(ROOT, 'test/fixtures-own/security');

interface ScoredItem extends CorpusItem, Scored {
  micros: number;
}

/** Short name of an item's source: the upstream repository (or dataset file) or our own file. */
export function sourceGroup(item: CorpusItem): string {
  if (item.source.includes('NotInject')) return 'NotInject (hard benign)';
  const repo = /^[^/:]+\/([^:]+):/u.exec(item.source)?.[1];
  if (repo) return repo;
  return basename(item.source).replace(/\.jsonl$/u, '');
}

/** Builds every subset reported for the corpus. */
export function buildReport(
  items: readonly ScoredItem[],
  thresholds: { block: number; flag: number },
  opts: { shortChars: number; maxFpr: number; ownFiles: ReadonlySet<string> },
): { subsets: SubsetReport[]; bySource: (SubsetReport & { atOverall: { recall: number; fpr: number } })[] } {
  const subsets: SubsetReport[] = [];
  const add = (name: string, xs: readonly ScoredItem[]): void => {
    if (xs.length > 0) subsets.push(reportSubset(name, xs, thresholds, opts.maxFpr));
  };
  add('overall', items);
  const own = items.filter((i) => opts.ownFiles.has(i.file));
  if (own.length > 0 && own.length < items.length) {
    add(
      'public',
      items.filter((i) => !opts.ownFiles.has(i.file)),
    );
    add('own', own);
  }
  const langs = [...new Set(items.map((i) => i.lang))].sort();
  for (const lang of langs)
    add(
      `lang=${lang}`,
      items.filter((i) => i.lang === lang),
    );
  add(
    `len<=${opts.shortChars}`,
    items.filter((i) => [...i.text].length <= opts.shortChars),
  );
  add(
    'len<=300',
    items.filter((i) => [...i.text].length <= 300),
  );
  const overall = subsets[0]?.recallAt1Fpr.threshold ?? 0;
  const groups = [...new Set(items.map(sourceGroup))].sort();
  const bySource = groups.map((g) => {
    const xs = items.filter((i) => sourceGroup(i) === g);
    const above = (label: 0 | 1): number => {
      const cls = xs.filter((i) => i.label === label);
      return cls.length === 0 ? NaN : cls.filter((i) => i.score > overall).length / cls.length;
    };
    return {
      ...reportSubset(g, xs, thresholds, opts.maxFpr),
      atOverall: { recall: above(1), fpr: above(0) },
    };
  });
  return { subsets, bySource };
}

interface EvalArgs {
  json: boolean;
  shortChars: number;
  maxFpr: number;
  positionals: string[];
}

/** The command line, or the exit code when there is nothing to evaluate (help, bad options). */
function parseEvalArgs(argv: string[]): EvalArgs | number {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      short: { type: 'string', default: '64' },
      'max-fpr': { type: 'string', default: '0.01' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run eval:security -- [file.jsonl|folder …] [--json] [--short 64] [--max-fpr 0.01]\n' +
        `Default data: ${PUBLIC_DIR} and ${OWN_DIR}.\n`,
    );
    return 0;
  }
  const shortChars = Number(values.short);
  const maxFpr = Number(values['max-fpr']);
  if (!Number.isInteger(shortChars) || shortChars < 1 || !(maxFpr > 0 && maxFpr < 1)) {
    process.stderr.write(
      'eval:security: --short takes a positive integer and --max-fpr a number in (0, 1).\n',
    );
    return 2;
  }
  return { json: values.json, shortChars, maxFpr, positionals };
}

interface LoadedCorpus {
  files: string[];
  items: CorpusItem[];
  problems: CorpusProblem[];
  /** Files of the project's own corpus (reported apart from the public one). */
  ownFiles: Set<string>;
}

/** Reads the corpus (the default folders when `positionals` is empty), or the exit code 2. */
async function loadCorpus(positionals: readonly string[]): Promise<LoadedCorpus | number> {
  let paths = positionals.map((p) => resolve(p));
  const ownFiles = new Set<string>();
  if (paths.length === 0) {
    if (!existsSync(PUBLIC_DIR)) {
      process.stderr.write(
        `eval:security: the public corpus is not at ${PUBLIC_DIR}.\n` +
          'Put the shared security-eval folder next to the project, or pass a JSONL file: npm run eval:security -- my-data.jsonl\n',
      );
      return 2;
    }
    paths = [PUBLIC_DIR, ...(existsSync(OWN_DIR) ? [OWN_DIR] : [])];
    if (existsSync(OWN_DIR)) for (const f of corpusFiles(OWN_DIR)) ownFiles.add(f);
  }
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    process.stderr.write(`eval:security: no such file or folder: ${missing.join(', ')}\n`);
    return 2;
  }
  const files = paths.flatMap(corpusFiles);
  const items: CorpusItem[] = [];
  const problems: CorpusProblem[] = [];
  for (const f of files) {
    const read = await readCorpusFile(f);
    items.push(...read.items);
    problems.push(...read.problems);
  }
  for (const p of problems.slice(0, 20))
    process.stderr.write(`eval:security: ${p.file}:${p.line}: ${p.message}\n`);
  if (problems.length > 20)
    process.stderr.write(`eval:security: … and ${problems.length - 20} more unreadable lines\n`);
  if (items.length === 0) {
    process.stderr.write('eval:security: no labelled items found (JSONL lines with "text" and "label").\n');
    return 2;
  }
  return { files, items, problems, ownFiles };
}

/** Scores every item (after a warm-up) and times each inspection. */
function scoreItems(items: readonly CorpusItem[]): {
  scored: ScoredItem[];
  thresholds: { block: number; flag: number };
  timing: EvalTiming;
} {
  const detector = new ThreatDetector();
  for (const item of items.slice(0, 50)) detector.inspect(item.text);
  const scored: ScoredItem[] = items.map((item) => {
    const t0 = process.hrtime.bigint();
    const v = detector.inspect(item.text);
    const micros = Number(process.hrtime.bigint() - t0) / 1_000;
    return { ...item, score: v.score, micros };
  });
  const thresholds = { block: detector.blockThreshold, flag: detector.flagThreshold };
  const times = scored.map((s) => s.micros).sort((a, b) => a - b);
  const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? NaN;
  const timing = {
    meanMicros: times.reduce((a, b) => a + b, 0) / times.length,
    p50Micros: q(0.5),
    p99Micros: q(0.99),
    maxMicros: times[times.length - 1] ?? NaN,
  };
  return { scored, thresholds, timing };
}

async function main(argv: string[]): Promise<number> {
  const args = parseEvalArgs(argv);
  if (typeof args === 'number') return args;
  const { shortChars, maxFpr } = args;
  const corpus = await loadCorpus(args.positionals);
  if (typeof corpus === 'number') return corpus;
  const { files, items, problems, ownFiles } = corpus;

  const { scored, thresholds, timing } = scoreItems(items);
  const { subsets, bySource } = buildReport(scored, thresholds, { shortChars, maxFpr, ownFiles });

  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ files, items: items.length, unreadable: problems.length, maxFpr, thresholds, subsets, bySource, timing }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
    );
    return 0;
  }
  const all = rateAt(scored, thresholds.flag);
  const summary = { items: items.length, files: files.length, unreadable: problems.length, maxFpr };
  process.stdout.write(`${renderText({ ...summary, thresholds, subsets, bySource, timing, all })}\n`);
  return 0;
}

// Runs only as a script (`tsx src/security/eval.ts`), not when a test imports the helpers above.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`eval:security: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
