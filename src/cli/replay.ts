import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.ts';
import type { LeadPayload } from '../protocol/index.ts';
import { parseCommand } from './args.ts';
import {
  leadSummary,
  loadRecorded,
  replayConversation,
  ReplaySourceError,
  type RecordedConversation,
  type ReplayOutcome,
} from './replay-run.ts';

export const REPLAY_HELP = `Usage: leadbot replay <conversation id | file.json> [--data-dir <dir>] [--json]
                      [--fixture <file.test.ts>]

Runs a conversation's prospect messages again through the current machine and the built-in model,
on a scratch store (nothing is sent, nothing in the data folder changes), and prints what changed:
states visited, final state, lead fields, qualification, replies.

The source is a conversation id in the data folder (e.g. demo:web:abc123), or a JSON file: the
output of \`leadbot contacts export\`, the console's GET /api/conversations/:id, or a replay file
{"tenant": "demo", "messages": ["Hola…", "…"]}.

Options:
  --data-dir <dir>        data folder for a conversation id (default: LEADBOT_DATA_DIR, then ./data)
  --json                  print the recorded and replayed outcomes as JSON
  --fixture <file>        write a vitest regression test that replays the messages and expects
                          today's outcome (it holds the messages' text: review it before committing)
  -h, --help              show this help

Exit codes: 0 replayed (whatever changed); 1 it failed; 2 bad usage or the source was not found.
`;

const LEAD_FIELDS: [string, (l: LeadPayload) => unknown][] = [
  ['name', (l) => l.contact_info.name],
  ['email', (l) => l.contact_info.email],
  ['company', (l) => l.business_context.company_name],
  ['interest_area', (l) => l.business_context.interest_area],
  ['urgency_level', (l) => l.urgency_level],
  ['qualification', (l) => l.qualification],
  ['status', (l) => l.status],
  ['problem_statement', (l) => l.problem_statement],
];

/** Case references (`RU-4K2J9Q`) are new on every run: compared as one placeholder. */
const sameText = (a: readonly string[], b: readonly string[]): boolean => {
  const norm = (r: readonly string[]) => r.join('\n').replace(/\b[A-Z]{2,5}-[A-Z0-9]{6}\b/g, '<ref>');
  return norm(a) === norm(b);
};

const show = (v: unknown): string => (v === undefined || v === null || v === '' ? '—' : JSON.stringify(v));

/** The differences, for people. */
export function describeDiff(before: RecordedConversation, after: ReplayOutcome): string[] {
  const out: string[] = [
    `replay of ${before.conversationId} (${before.turns.length} messages), built-in model`,
  ];
  const visited = (ts: { to: string }[] | undefined) => [...new Set((ts ?? []).map((t) => t.to))];
  const was = visited(before.transitions);
  const now = visited(after.transitions);
  if (!before.transitions) out.push(`states visited: ${now.join(' → ')} (the source has no transition log)`);
  else if (was.join() === now.join()) out.push('states visited: same');
  else {
    const gone = was.filter((s) => !now.includes(s));
    const added = now.filter((s) => !was.includes(s));
    out.push(
      `states visited: changed${gone.length ? `; no longer ${gone.join(', ')}` : ''}${added.length ? `; now also ${added.join(', ')}` : ''}`,
    );
  }
  out.push(
    `final state: ${before.finalState ?? '—'} → ${after.finalState}${before.finalState === after.finalState ? ' (same)' : ''}`,
  );
  for (const [name, get] of LEAD_FIELDS) {
    const a = before.lead ? get(before.lead) : undefined;
    const b = after.lead ? get(after.lead) : undefined;
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`lead ${name}: ${show(a)} → ${show(b)}`);
  }
  if (before.lead && after.lead && out.every((l) => !l.startsWith('lead '))) out.push('lead: same');
  const changed = after.turns.filter((t, i) => !sameText(before.turns[i]?.replies ?? [], t.replies));
  out.push(`replies: ${changed.length} of ${after.turns.length} turns changed`);
  after.turns.forEach((t, i) => {
    const old = before.turns[i]?.replies ?? [];
    if (sameText(old, t.replies)) return;
    out.push(`  turn ${i + 1}: ${JSON.stringify(t.said.slice(0, 80))}`);
    for (const r of old) out.push(`    - ${r.replace(/\n+/g, ' ').slice(0, 160)}`);
    for (const r of t.replies) out.push(`    + ${r.replace(/\n+/g, ' ').slice(0, 160)}`);
  });
  return out;
}

/** A vitest file that replays the messages and expects today's outcome. */
export function fixtureSource(
  recorded: RecordedConversation,
  outcome: ReplayOutcome,
  importFrom: string,
): string {
  const expected = outcome.lead ? leadSummary(outcome.lead) : null;
  return `// Written by \`leadbot replay ${recorded.conversationId} --fixture\`: a conversation kept as a regression test.
import { expect, it } from 'vitest';
import { leadSummary, replayConversation } from '${importFrom}';

const conversation = ${JSON.stringify({ tenantId: recorded.tenantId, turns: recorded.turns.map((t) => ({ said: t.said, replies: [] })) }, null, 2)};

it(${JSON.stringify(`replays ${recorded.conversationId} to the same outcome`)}, async () => {
  const outcome = await replayConversation(conversation);
  expect(outcome.finalState).toBe(${JSON.stringify(outcome.finalState)});
  expect(outcome.lead ? leadSummary(outcome.lead) : null).toEqual(${JSON.stringify(expected, null, 2)});
}, 60_000);
`;
}

/** Formatted as the project's Prettier settings say, when Prettier is installed (a dev checkout). */
async function formatted(source: string, file: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    // Outside the project (a temp folder) the project's own settings still apply.
    const project = fileURLToPath(new URL('../../package.json', import.meta.url));
    const options = (await prettier.resolveConfig(file)) ?? (await prettier.resolveConfig(project)) ?? {};
    return await prettier.format(source, { ...options, filepath: file });
  } catch {
    return source;
  }
}

/** `leadbot replay`. */
export async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    'replay',
    args,
    { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, fixture: { type: 'string' } },
    true,
  );
  if (values.help || positionals.length !== 1) {
    (values.help ? process.stdout : process.stderr).write(REPLAY_HELP);
    return values.help ? 0 : 2;
  }
  let recorded: RecordedConversation;
  try {
    recorded = await loadRecorded(positionals[0]!, values['data-dir'] ?? loadConfig().dataDir);
  } catch (error) {
    if (!(error instanceof ReplaySourceError)) throw error;
    process.stderr.write(`leadbot replay: ${error.message}\n`);
    return 2;
  }
  if (recorded.turns.length === 0) {
    process.stderr.write(`leadbot replay: ${recorded.conversationId} has no prospect messages\n`);
    return 2;
  }
  const outcome = await replayConversation(recorded);
  if (values.json) process.stdout.write(`${JSON.stringify({ recorded, replayed: outcome }, null, 2)}\n`);
  else process.stdout.write(`${describeDiff(recorded, outcome).join('\n')}\n`);
  if (values.fixture) {
    const runner = fileURLToPath(new URL('./replay-run.ts', import.meta.url));
    let from = relative(dirname(resolve(values.fixture)), runner)
      .split(sep)
      .join('/');
    if (!from.startsWith('.')) from = `./${from}`;
    writeFileSync(values.fixture, await formatted(fixtureSource(recorded, outcome, from), values.fixture));
    process.stderr.write(`wrote ${values.fixture}\n`);
  }
  return 0;
}
