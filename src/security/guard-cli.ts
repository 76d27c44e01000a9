/**
 * `leadbot guard`: runs the ThreatDetector over messages read from stdin, one per line, and prints
 * one JSON verdict per line (`{"verdict","score","reasons","lang"}`, plus `"id"` when the input line
 * had one), so anyone can screen their own data. A line is plain text, or a JSON object with a
 * `text` string (and optionally an `id`); a line that starts with `{` but is not valid JSON is
 * treated as plain text. Blank lines are skipped. Streams line by line, so input of any size works.
 */
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { errorMessage } from '../errors.ts';
import { ThreatDetector, type ThreatVerdict } from './detector.ts';

export const GUARD_HELP = `Usage: leadbot guard [--block <score>] [--flag <score>]

Reads messages on stdin, one per line: plain text, or JSON lines with a "text" field (an "id"
field is echoed back). Prints one JSON verdict per line:
  {"verdict":"allow|flag|block","score":0.93,"reasons":["instruction_override:…"],"lang":"es"}
Blank lines are skipped. A JSON line without a "text" string gets {"error":{…},"line":N}.

Options:
  --block <score>   block at or above this score (default 0.8)
  --flag <score>    flag at or above this score (default 0.5)
  -h, --help        show this help
`;

/** Where guard reads and writes (stdin / stdout / stderr by default; streams in tests). */
export interface GuardIo {
  input: Readable;
  output: Writable;
  errors: Writable;
}

const JsonLine = z.looseObject({
  text: z.string(),
  id: z.union([z.string(), z.number()]).optional(),
});

type Parsed = { text: string; id?: string | number } | { error: string };

/** Reads one input line: plain text, or a JSON object with `text` (and maybe `id`). */
export function parseGuardLine(line: string): Parsed {
  if (!line.trimStart().startsWith('{')) return { text: line };
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    // Starts with "{" but is not JSON: it is someone's message, inspect it as text.
    return { text: line };
  }
  const parsed = JsonLine.safeParse(json);
  if (!parsed.success)
    return { error: 'A JSON line needs a "text" string (and optionally an "id" string or number).' };
  return parsed.data.id === undefined
    ? { text: parsed.data.text }
    : { text: parsed.data.text, id: parsed.data.id };
}

function parseScore(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1)
    throw new Error(`--${name} takes a score in (0, 1], got '${raw}'.`);
  return n;
}

/** Writes a line, waiting when the reader is slower than we are. */
async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

/** Runs `guard` with its arguments; resolves to the exit code. */
export async function runGuard(
  args: readonly string[],
  io: GuardIo = { input: process.stdin, output: process.stdout, errors: process.stderr },
): Promise<number> {
  let detector: ThreatDetector;
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        block: { type: 'string' },
        flag: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      io.output.write(GUARD_HELP);
      return 0;
    }
    const block = parseScore('block', values.block);
    const flag = parseScore('flag', values.flag);
    detector = new ThreatDetector({
      ...(block === undefined ? {} : { blockThreshold: block }),
      ...(flag === undefined ? {} : { flagThreshold: flag }),
    });
  } catch (error) {
    io.errors.write(`leadbot guard: ${errorMessage(error)}\nRun 'leadbot guard --help' for usage.\n`);
    return 2;
  }

  // A closed reader (`leadbot guard < big.txt | head`) ends the run quietly.
  let closed = false;
  io.output.on('error', () => {
    closed = true;
  });
  const lines = createInterface({ input: io.input, crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n += 1;
    if (closed) break;
    const line = n === 1 ? raw.replace(/^\uFEFF/u, '') : raw;
    if (line.trim().length === 0) continue;
    const parsed = parseGuardLine(line);
    if ('error' in parsed) {
      await writeLine(
        io.output,
        JSON.stringify({ error: { code: 'invalid_message', message: parsed.error }, line: n }),
      );
      continue;
    }
    const v: ThreatVerdict = detector.inspect(parsed.text);
    const out = { verdict: v.verdict, score: v.score, reasons: v.reasons, lang: v.lang };
    await writeLine(io.output, JSON.stringify(parsed.id === undefined ? out : { id: parsed.id, ...out }));
  }
  lines.close();
  return 0;
}
