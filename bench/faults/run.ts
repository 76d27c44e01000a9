/**
 * `npm run faults`: the fault matrix. For each fault, a fresh gateway and workers on a real
 * nats-server with a fake CRM; prospects at human pace through the widget and REST (with message
 * ids, retried like a provider redelivers); the fault at a random moment. Prints one row per fault
 * and exits 1 on any lost or duplicated message or lead.
 *
 *   npm run faults [-- --only kill,pause] [--prospects 40] [--spread-ms 8000] [--json faults.json]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SCENARIOS, failures, runScenario, type FaultResult } from './scenarios.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    prospects: { type: 'string', default: '40' },
    'spread-ms': { type: 'string', default: '8000' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(`npm run faults [-- --only ${SCENARIOS.map((s) => s.name).join(',')}] [--prospects N] [--spread-ms MS] [--json FILE]
${SCENARIOS.map((s) => `  ${s.name.padEnd(13)} ${s.describe}`).join('\n')}`);
  process.exit(0);
}

const only = values.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`Unknown fault ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const prospects = Number(values.prospects);
const spreadMs = Number(values['spread-ms']);
if (!Number.isInteger(prospects) || prospects < 1 || !Number.isFinite(spreadMs) || spreadMs < 0) {
  console.error('--prospects must be a whole number ≥ 1 and --spread-ms a number of milliseconds');
  process.exit(2);
}

const COLUMNS: [keyof FaultResult, string][] = [
  ['fault', 'fault'],
  ['acknowledged', 'acked'],
  ['answered', 'answered'],
  ['lost', 'lost'],
  ['duplicated', 'dup'],
  ['turn_p50_ms', 'p50 ms'],
  ['turn_p99_ms', 'p99 ms'],
  ['turn_max_ms', 'max ms'],
  ['leads_stored', 'leads'],
  ['leads_delivered', 'to CRM'],
  ['leads_missing', 'missing'],
  ['crm_duplicates', 'CRM dup'],
  ['recover_s', 'recover s'],
];

const results: FaultResult[] = [];
let failed = false;
console.log(COLUMNS.map(([, h]) => h.padStart(h === 'fault' ? 13 : 9)).join(' '));
for (const scenario of SCENARIOS.filter((s) => !only || only.includes(s.name))) {
  const result = await runScenario(scenario, { prospects, spreadMs });
  results.push(result);
  console.log(COLUMNS.map(([k, h]) => String(result[k]).padStart(h === 'fault' ? 13 : 9)).join(' '));
  const problems = failures(result, prospects);
  for (const p of [...problems, ...result.notes.filter((n) => !n.startsWith('FAIL'))])
    console.log(`${' '.repeat(14)}${p}`);
  if (problems.length > 0) failed = true;
}
if (values.json) writeFileSync(values.json, JSON.stringify({ prospects, spreadMs, results }, null, 2));
process.exit(failed ? 1 : 0);
