/**
 * The `leadbot` command line as a user meets it: every subcommand has its own --help, a bad option
 * is exit code 2 with one clear line, a command that cannot reach its server exits (never hangs), and
 * `metrics` reads a single node's GET /metrics.
 */
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/leadbot-process.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { runCli } from '../helpers/run-cli.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The process had to be killed: it hung. */
  timedOut: boolean;
  ms: number;
}

/** `node bin/leadbot.js <args>`, killed after `timeoutMs` (then `timedOut` is true). */
function runWithTimeout(args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['bin/leadbot.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: Date.now() - started });
    });
    child.stdin.end('');
  });
}

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

const SUBCOMMANDS = ['chat', 'metrics', 'contacts', 'audit', 'guard'];

describe('leadbot subcommand help', () => {
  it.each(SUBCOMMANDS)(
    '`leadbot %s --help` prints its own help, not the global one',
    async (name) => {
      const { code, stdout, stderr } = await runCli([name, '--help'], '');
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(new RegExp(`^Usage: leadbot ${name}\\b`));
      expect(stdout).not.toMatch(/^Commands:/m);
      // -h and `leadbot help <command>` say the same.
      expect((await runCli([name, '-h'], '')).stdout).toBe(stdout);
      expect((await runCli(['help', name], '')).stdout).toBe(stdout);
    },
    60_000,
  );

  it('chat and metrics document their options', async () => {
    const chat = (await runCli(['chat', '--help'], '')).stdout;
    for (const option of ['--tenant', '--session', '--url']) expect(chat).toContain(option);
    const metrics = (await runCli(['metrics', '--help'], '')).stdout;
    for (const option of ['--url', '--watch', '--json', '--token', 'GET <url>/metrics', 'nats://'])
      expect(metrics).toContain(option);
  }, 60_000);

  it('the global help lists every subcommand and points at their help', async () => {
    const { code, stdout } = await runCli(['--help'], '');
    expect(code).toBe(0);
    for (const name of SUBCOMMANDS) expect(stdout).toMatch(new RegExp(`^  ${name}\\s+\\S`, 'm'));
    expect(stdout).toContain('leadbot <command> --help');
  });
});

describe('leadbot usage errors', () => {
  it.each([
    [['chat', '--frob'], 'chat', "unknown option '--frob'"],
    [['metrics', '--frob'], 'metrics', "unknown option '--frob'"],
    [['contacts', 'export', 'x', '--frob'], 'contacts', "unknown option '--frob'"],
    [['audit', 'verify', '--frob'], 'audit', "unknown option '--frob'"],
    [['metrics', '--url'], 'metrics', "option '--url <value>' needs a value"],
    [['metrics', '--watch=yes'], 'metrics', "option '-w, --watch' takes no value"],
    [['chat', 'hello'], 'chat', "unexpected argument 'hello'"],
    [
      ['metrics', 'ftp://example.com'],
      'metrics',
      "'ftp://example.com' is neither a node's http(s):// address nor a nats:// URL",
    ],
  ])(
    '%j exits 2 and says what is wrong and where the help is',
    async (args, name, message) => {
      const run = await runWithTimeout(args, 30_000);
      expect(run.timedOut).toBe(false);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`leadbot ${name}: ${message}\nRun 'leadbot ${name} --help' for usage.\n`);
    },
    60_000,
  );

  it('an unknown global option exits 2 too', async () => {
    const run = await runWithTimeout(['--frob'], 30_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("leadbot: unknown option '--frob'\nRun 'leadbot --help' for usage.\n");
  });
});

describe('leadbot metrics never hangs', () => {
  let silent: Server;
  let silentUrl: string;
  beforeAll(async () => {
    // Accepts connections and never answers (neither HTTP nor NATS): the case that used to hang.
    silent = createHttpServer(() => undefined);
    silent.headersTimeout = 0;
    silent.requestTimeout = 0;
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    silentUrl = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('a node URL where nothing listens: exit 1 with the reason', async () => {
    const port = await closedPort();
    const run = await runWithTimeout(['metrics', `http://127.0.0.1:${port}`], 30_000);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`leadbot metrics: cannot reach http://127.0.0.1:${port}`);
    expect(run.stderr).toContain('Is leadbot running there?');
  }, 60_000);

  it('a NATS URL that points at something that is not NATS: exit 1, not a hang', async () => {
    const run = await runWithTimeout(['metrics', '--url', `nats://${silentUrl}`], 40_000);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach NATS at nats://${silentUrl}`);
  }, 60_000);
});

describe('leadbot metrics and chat --url against one running node', () => {
  let node: Awaited<ReturnType<typeof startTestLeadbot>>;
  beforeAll(async () => {
    node = await startTestLeadbot();
    const res = await fetch(`${node.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender: 'metrics-1', message: 'Hola, quiero saber los precios' }),
    });
    expect(res.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await node?.close();
  });

  it('`leadbot metrics <url>` reads GET /metrics and prints it for people', async () => {
    const run = await runWithTimeout(['metrics', node.url], 30_000);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^leadbot node \S+ · http:\/\/127\.0\.0\.1:\d+ · model builtin · up /);
    expect(run.stdout).toMatch(/^messages +received 1 · replies 1\b/m);
    expect(run.stdout).toMatch(/^conversations +live 1\b/m);
    expect(run.stdout).toContain('no LLM keys: the built-in model answers');
    expect(run.stdout).not.toContain('"nodes"');
  }, 60_000);

  it('`--json` prints the report as served; a Prometheus URL is read too', async () => {
    const json = await runWithTimeout(['metrics', '--url', node.url, '--json'], 30_000);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ messages_received: 1, replies_sent: 1 });
    const prom = await runWithTimeout(['metrics', `${node.url}/metrics/prometheus`], 30_000);
    expect(prom.code).toBe(0);
    expect(prom.stdout).toMatch(/^leadbot_messages_received_total — /m);
    expect(prom.stdout).toMatch(/^ {2}channel=rest +1$/m);
  }, 60_000);

  it('`chat --url` greets with the same banner as the embedded chat and talks over the WebSocket', async () => {
    const { code, stdout, stderr } = await runCli(
      ['chat', '--url', node.url, '--session', 'cli-remote'],
      'Hola, necesito info sobre sus planes\n',
    );
    expect(code).toBe(0);
    expect(stderr).toContain('Chatting with RutaViva (session cli-remote). Ctrl-D to quit.');
    expect(stdout.split('bot> ').slice(1).length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('`chat --url` with a tenant the server does not have exits 2 before reading a line', async () => {
    const run = await runWithTimeout(['chat', '--url', node.url, '--tenant', 'nope'], 30_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`unknown tenant 'nope' on ${node.url}`);
  }, 60_000);
});
