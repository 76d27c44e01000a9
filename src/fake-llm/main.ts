/**
 * CLI entry of the test server, for the local demo and benchmarks:
 *
 *   npm run fake-llm -- --port 8099 --keys k1,k2 --rpm 60 --latency 50 --limit-model quantised
 *
 * Every key gets the same limits; `--group acct` puts them all in one limit group with the
 * `--group-rpm` / `--group-tpm` / `--group-concurrency` budget. Prints the base URL, stops on
 * SIGINT / SIGTERM.
 */

import { parseArgs } from 'node:util';
import {
  FAULTS,
  LIMIT_MODELS,
  startFakeLlmServer,
  type Fault,
  type FakeKeyOptions,
  type LimitBudget,
  type LimitModel,
} from './server.ts';

const USAGE = `Usage: npm run fake-llm -- [options]
  --port <n>               port to listen on (default 8099; 0 = any free port)
  --host <addr>            address to bind (default 127.0.0.1)
  --keys <k1,k2,...>       accepted API keys (default fake-key)
  --rpm <n> --tpm <n> --concurrency <n>   per-key limits (default unlimited)
  --group <name>           put every key in one limit group
  --group-rpm <n> --group-tpm <n> --group-concurrency <n>   that group's shared limits
  --latency <ms>           delay before each answer (default 0)
  --window-ms <ms>         period of --rpm / --tpm (default 60000)
  --limit-model <model>    how limits are counted: ${LIMIT_MODELS.join(', ')} (default window)
                             window: sliding window; quantised: per-second token bucket (rpm/60);
                             fixed-window: counts reset at each whole minute
  --no-ratelimit-headers   send no x-ratelimit-* headers, and no Retry-After on 429s
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

function limitModel(value: string | undefined): LimitModel {
  if (value === undefined) return 'window';
  const known = LIMIT_MODELS.find((m) => m === value);
  if (known === undefined) fail(`--limit-model must be one of ${LIMIT_MODELS.join(', ')}, got '${value}'.`);
  return known;
}

function budget(rpm?: number, tpm?: number, concurrency?: number): LimitBudget {
  const b: LimitBudget = {};
  if (rpm !== undefined) b.rpm = rpm;
  if (tpm !== undefined) b.tpm = tpm;
  if (concurrency !== undefined) b.concurrency = concurrency;
  return b;
}

const OPTIONS = {
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
  'limit-model': { type: 'string' },
  'no-ratelimit-headers': { type: 'boolean' },
  fault: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: OPTIONS });
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
    limitModel: limitModel(values['limit-model']),
    rateLimitHeaders: values['no-ratelimit-headers'] !== true,
    port: num('port', values.port) ?? 8099,
    host: values.host ?? '127.0.0.1',
  });
  const limits = `${limitModel(values['limit-model'])}${values['no-ratelimit-headers'] === true ? ', no headers' : ''}`;
  process.stdout.write(
    `fake-llm listening on ${server.url} (keys: ${secrets.length}, model: any, limits: ${limits})\n`,
  );
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
