import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { freePort } from './free-port.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the tests look for the server binary (the first that exists wins). */
const CANDIDATES = [
  process.env.NATS_SERVER_BIN,
  '/usr/sbin/nats-server',
  '/usr/bin/nats-server',
  '/usr/local/bin/nats-server',
].filter((p): p is string => typeof p === 'string' && p !== '');

const INSTALL_HINT = 'install it with `apt-get install -y nats-server` (or set NATS_SERVER_BIN)';

function findBinary(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * Whether `nats-server` is installed. On CI (`CI=true`) a missing binary is an error, never a skip;
 * elsewhere this prints one line naming what is skipped and how to install the server.
 */
export function natsAvailable(skipped = 'the NATS cluster tests'): boolean {
  if (findBinary()) return true;
  const message = `nats-server not found (looked in ${CANDIDATES.join(', ')}): ${INSTALL_HINT}`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`SKIPPED ${skipped}: ${message}`);
  return false;
}

export interface NatsServer {
  /** `nats://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The JetStream store folder (kept across `restart()`). */
  dir: string;
  /** Everything the server printed. */
  output(): string;
  /** Stops the server (SIGTERM, or the given signal) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops and starts it again on the same port and store folder. */
  restart(options?: { downMs?: number; signal?: NodeJS.Signals }): Promise<void>;
  /** Stops the server and deletes its store folder. */
  dispose(): Promise<void>;
}

/** Resolves once the server answers with its INFO line. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('data', (data: Buffer) => done(data.toString().startsWith('INFO')));
    socket.once('error', () => done(false));
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts `nats-server -js` on a random free port with a temp store folder, and resolves once it
 * accepts connections.
 */
export async function startNatsServer(options: { jetstream?: boolean } = {}): Promise<NatsServer> {
  const bin = findBinary();
  if (!bin) throw new Error(`nats-server not found: ${INSTALL_HINT}`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-nats-'));
  const args = [
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    ...(options.jetstream === false ? [] : ['-js', '-sd', dir]),
  ];
  let out = '';
  let child: ChildProcess | undefined;

  const start = async () => {
    const from = out.length;
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`nats-server exited with ${proc.exitCode}:\n${out}`);
      if (out.slice(from).includes('Server is ready') && (await accepts(port))) return;
      await sleep(25);
    }
    throw new Error(`nats-server did not accept connections on ${port} within 10 s:\n${out}`);
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir,
    output: () => out,
    stop,
    async restart({ downMs = 0, signal = 'SIGTERM' } = {}) {
      await stop(signal);
      if (downMs > 0) await sleep(downMs);
      await start();
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
