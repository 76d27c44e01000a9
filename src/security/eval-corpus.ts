/**
 * Reads labelled JSONL corpora for `npm run eval:security`. One item per line:
 * `{"text": "...", "label": 0|1, "lang"?: "es", "source"?: "..."}`. Labels may also be booleans or
 * words ("benign", "safe", "legit" / "injection", "jailbreak", "malicious", "attack"…). Lines that
 * are blank are skipped; lines that cannot be read are counted with their line number, never
 * silently dropped.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';

/** One labelled message. */
export interface CorpusItem {
  text: string;
  label: 0 | 1;
  /** From the item, else 'unknown'. */
  lang: string;
  /** Upstream source, else the file name. */
  source: string;
  /** File the item came from. */
  file: string;
}

/** A line that could not be used. */
export interface CorpusProblem {
  file: string;
  line: number;
  message: string;
}

const BENIGN_WORDS = new Set([
  '0',
  'benign',
  'safe',
  'legit',
  'legitimate',
  'normal',
  'negative',
  'clean',
  'false',
  'no',
]);
const ATTACK_WORDS = new Set([
  '1',
  'injection',
  'prompt_injection',
  'prompt-injection',
  'jailbreak',
  'malicious',
  'attack',
  'unsafe',
  'positive',
  'true',
  'yes',
]);

/** Maps a label as written in a corpus to 0 / 1, or undefined when it is not one we know. */
export function parseLabel(raw: unknown): 0 | 1 | undefined {
  if (raw === 0 || raw === 1) return raw;
  if (raw === false) return 0;
  if (raw === true) return 1;
  if (typeof raw === 'string') {
    const w = raw.trim().toLowerCase();
    if (BENIGN_WORDS.has(w)) return 0;
    if (ATTACK_WORDS.has(w)) return 1;
  }
  return undefined;
}

const LineSchema = z.looseObject({
  text: z.string().min(1),
  label: z.unknown(),
  lang: z.string().optional(),
  source: z.string().optional(),
});

/** Parses one JSONL line; returns an item or a problem message. */
export function parseCorpusLine(line: string, file: string): CorpusItem | string {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return 'not valid JSON';
  }
  const parsed = LineSchema.safeParse(json);
  if (!parsed.success) return 'needs a non-empty string "text" and a "label"';
  const label = parseLabel(parsed.data.label);
  if (label === undefined)
    return `unknown label ${JSON.stringify(parsed.data.label)} (use 0/1, benign/injection)`;
  return {
    text: parsed.data.text,
    label,
    lang: parsed.data.lang ?? 'unknown',
    source: parsed.data.source ?? basename(file),
    file,
  };
}

/** Reads one JSONL file line by line. */
export async function readCorpusFile(
  file: string,
): Promise<{ items: CorpusItem[]; problems: CorpusProblem[] }> {
  const items: CorpusItem[] = [];
  const problems: CorpusProblem[] = [];
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of rl) {
    n += 1;
    const line = n === 1 ? raw.replace(/^\uFEFF/u, '') : raw;
    if (line.trim().length === 0) continue;
    const parsed = parseCorpusLine(line, file);
    if (typeof parsed === 'string') problems.push({ file, line: n, message: parsed });
    else items.push(parsed);
  }
  return { items, problems };
}

/** The `.jsonl` files of a path: itself if it is a file, its `*.jsonl` (sorted) if a folder. */
export function corpusFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(path, f));
}
