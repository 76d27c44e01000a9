/**
 * CLI entry of the test server, for the local demo and benchmarks:
 *
 *   npm run fake-llm -- --port 8099 --keys k1,k2 --rpm 60 --latency 50
 *
 * Every key gets the same limits; `--group acct` puts them all in one limit group with the
 * `--group-rpm` / `--group-tpm` / `--group-concurrency` budget. Prints the base URL, stops on
 * SIGINT / SIGTERM.
 */

import { parseArgs } from 'node:util';
import { FAULTS, startFakeLlmServer, type Fault, type FakeKeyOptions, type LimitBudget } from './server.ts';

const USAGE = `Usage: npm run fake-llm -- [options]
  --port <n>               port to listen on (default 8099; 0 = any free port)
  --host <addr>            address to bind (default 127.0.0.1)
  --keys <k1,k2,...>       accepted API keys (default fake-key)
  --rpm <n> --tpm <n> --concurrency <n>   per-key limits (default unlimited)
  --group <name>           put every key in one limit group
  --group-rpm <n> --group-tpm <n> --group-concurrency <n>   that group's shared limits
  --latency <ms>           delay before each answer (default 0)
  --window-ms <ms>         length of the sliding rate window (default 60000)
  --fault <key>=<fault>    make one key fail (repeatable): ${FAULTS.join(', ')}
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a non-negative number, got '${value}'.`);
  return n;
}

function budget(rpm?: number, tpm?: number, concurrency?: number): LimitBudget {
  const b: LimitBudget = {};
  if (rpm !== undefined) b.rpm = rpm;
  if (tpm !== undefined) b.tpm = tpm;
  if (concurrency !== undefined) b.concurrency = concurrency;
  return b;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      keys: { type: 'string' },
      rpm: { type: 'string' },
      tpm: { type: 'string' },
      concurrency: { type: 'string' },
      group: { type: 'string' },
      'group-rpm': { type: 'string' },
      'group-tpm': { type: 'string' },
      'group-concurrency': { type: 'string' },
      latency: { type: 'string' },
      'window-ms': { type: 'string' },
      fault: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const secrets = (values.keys ?? 'fake-key')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (secrets.length === 0) fail('--keys needs at least one key.');
  const faults = new Map<string, Fault>();
  for (const spec of values.fault ?? []) {
    const [key, fault] = spec.split('=');
    const known = FAULTS.find((f) => f === fault);
    if (key === undefined || known === undefined || !secrets.includes(key)) {
      fail(`--fault '${spec}': expected <one of --keys>=<${FAULTS.join('|')}>.`);
    }
    faults.set(key, known);
  }
  const perKey = budget(
    num('rpm', values.rpm),
    num('tpm', values.tpm),
    num('concurrency', values.concurrency),
  );
  const keys: Record<string, FakeKeyOptions> = {};
  for (const secret of secrets) {
    const key: FakeKeyOptions = { ...perKey };
    if (values.group !== undefined) key.group = values.group;
    const fault = faults.get(secret);
    if (fault !== undefined) key.fault = fault;
    keys[secret] = key;
  }
  const groups: Record<string, LimitBudget> = {};
  if (values.group !== undefined) {
    groups[values.group] = budget(
      num('group-rpm', values['group-rpm']),
      num('group-tpm', values['group-tpm']),
      num('group-concurrency', values['group-concurrency']),
    );
  }
  const server = await startFakeLlmServer({
    keys,
    groups,
    latencyMs: num('latency', values.latency) ?? 0,
    windowMs: num('window-ms', values['window-ms']) ?? 60_000,
    port: num('port', values.port) ?? 8099,
    host: values.host ?? '127.0.0.1',
  });
  process.stdout.write(`fake-llm listening on ${server.url} (keys: ${secrets.length}, model: any)\n`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  fail(error instanceof Error ? error.message : String(error));
});
