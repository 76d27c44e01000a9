/**
 * `leadbot chat`: the keyboard (or piped stdin) is a channel. Embedded, it starts a runtime on the
 * configured data folder; with `--url`, it talks to a running server over its WebSocket.
 */
import { userInfo } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import WebSocket from 'ws';
import { errorMessage } from '../errors.ts';
import { newId } from '../ids.ts';
import { parseCommand, UsageError } from './args.ts';

export const CHAT_HELP = `Usage: leadbot chat [--tenant <id>] [--session <id>] [--url <http url>]

Talk to the bot from the terminal: one message per line (typed, or piped on stdin), replies are
printed as "bot> …"; logs go to stderr. Ctrl-D (or the end of the input) quits.

Without --url an embedded runtime starts on the configured data folder (LEADBOT_DATA_DIR, default
./data), without HTTP. With --url the messages go to a running server over its WebSocket, as the
web widget's do: with the server running, prefer --url.

Options:
  --tenant <id>     tenant to talk to (default: the configured default tenant, "demo")
  --session <id>    conversation to resume (default: "cli-<your user name>")
  --url <http url>  a running leadbot, e.g. http://127.0.0.1:3000
  -h, --help        show this help

Examples:
  leadbot chat
  leadbot chat --session demo-1 < messages.txt
  leadbot chat --url http://127.0.0.1:3000 --tenant demo
`;

export interface ChatOptions {
  tenant?: string;
  session?: string;
  url?: string;
}

const interactive = process.stdin.isTTY === true;

function defaultSession(): string {
  try {
    return `cli-${userInfo().username.replace(/[^\w.-]/g, '') || 'user'}`;
  } catch {
    return 'cli-user';
  }
}

function printBot(text: string): void {
  // Terminals show no Markdown: *bold* becomes plain text.
  text = text.replace(/\*([^*\n]+)\*/g, '$1');
  process.stdout.write(`${interactive ? '\x1b[36mbot>\x1b[0m' : 'bot>'} ${text.replace(/\n/g, '\n     ')}\n`);
}

/** The keyboard (or piped stdin): one message per line. */
function keyboard(): Interface {
  return createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: 'you> ',
    terminal: interactive,
  });
}

function prompt(rl: Interface): void {
  if (interactive) rl.prompt();
}

/**
 * The same first line in both modes: on stdout in a terminal, on stderr when stdin is piped (so the
 * replies on stdout stay one per line).
 */
function banner(companyName: string, session: string): void {
  const line = `Chatting with ${companyName} (session ${session}). Ctrl-D to quit.\n`;
  (interactive ? process.stdout : process.stderr).write(line);
}

/** `leadbot chat [options]`: parses the arguments, then runs the chat; resolves with the exit code. */
export async function chatCommand(args: readonly string[]): Promise<number> {
  const { values } = parseCommand('chat', args, {
    tenant: { type: 'string' },
    session: { type: 'string' },
    url: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(CHAT_HELP);
    return 0;
  }
  if (values.url !== undefined && !/^https?:\/\/[^/]/i.test(values.url))
    throw new UsageError(
      'chat',
      `--url takes the server's http(s) address, e.g. http://127.0.0.1:3000; got '${values.url}'`,
    );
  return runChat({
    ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
    ...(values.session !== undefined ? { session: values.session } : {}),
    ...(values.url !== undefined ? { url: values.url } : {}),
  });
}

/** The keyboard producer: each line is a message; replies are printed as they come. */
export async function runChat(options: ChatOptions): Promise<number> {
  const session = options.session ?? defaultSession();
  if (options.url) return runRemoteChat(options.url, options.tenant, session);
  // The runtime loads only for an embedded chat: `--help`, a bad option or `--url` answer at once.
  const [{ CliChannel }, { loadConfig }, { createLogger }, { startLeadbot }] = await Promise.all([
    import('../channels/cli.ts'),
    import('../config/load.ts'),
    import('../logger.ts'),
    import('../main.ts'),
  ]);
  const config = loadConfig();
  const node = await startLeadbot(config, {
    http: false,
    logger: createLogger({
      level: 'warn',
      content: false,
      pretty: false,
      nodeId: config.nodeId,
      destination: process.stderr,
    }),
  });
  const tenantId = options.tenant ?? config.defaultTenant;
  if (!node.intake.tenants.has(tenantId)) {
    await node.close();
    process.stderr.write(
      `leadbot: unknown tenant '${tenantId}'. Configured: ${[...node.intake.tenants.keys()].join(', ')}\n`,
    );
    return 2;
  }
  banner(node.intake.tenants.get(tenantId)!.companyName, session);
  const channel = new CliChannel(node.intake, {
    tenantId,
    session,
    replyTimeoutMs: config.server.restReplyTimeoutMs,
  });
  const rl = keyboard();
  prompt(rl);
  try {
    for await (const line of rl) {
      if (line.trim() === '') {
        prompt(rl);
        continue;
      }
      try {
        for (const reply of await channel.say(line)) printBot(reply);
      } catch (error) {
        process.stderr.write(`leadbot: ${errorMessage(error)}\n`);
      }
      prompt(rl);
    }
  } finally {
    await node.close();
  }
  return 0;
}

/** What the server's landing page says about a tenant (the widget's own settings block). */
interface RemoteTenant {
  tenant: string;
  companyName: string;
}

/**
 * Asks the server which tenant it serves (`GET /?tenant=`, the block the widget reads), so the remote
 * chat greets like the embedded one and an unknown tenant is said before any message is typed.
 */
async function remoteTenant(base: URL, tenant: string | undefined): Promise<RemoteTenant | undefined> {
  const page = new URL('/', base);
  if (tenant) page.searchParams.set('tenant', tenant);
  let res: Response;
  try {
    res = await fetch(page, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    throw new Error(`cannot reach ${base.origin} (${errorMessage(cause)}). Is leadbot running there?`);
  }
  if (res.status === 404 && tenant) {
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
    if (body?.error?.code === 'unknown_tenant') throw new UnknownTenant(tenant, base.origin);
  }
  if (!res.ok) return undefined;
  const html = await res.text();
  const block = /<script type="application\/json" data-leadbot-config>([^<]*)<\/script>/.exec(html)?.[1];
  if (!block) return undefined;
  try {
    const parsed = JSON.parse(block) as Partial<RemoteTenant>;
    return typeof parsed.tenant === 'string' && typeof parsed.companyName === 'string'
      ? { tenant: parsed.tenant, companyName: parsed.companyName }
      : undefined;
  } catch {
    return undefined;
  }
}

class UnknownTenant extends Error {
  constructor(
    readonly tenant: string,
    origin: string,
  ) {
    super(`unknown tenant '${tenant}' on ${origin}`);
  }
}

async function runRemoteChat(
  url: string,
  tenantOption: string | undefined,
  session: string,
): Promise<number> {
  const base = new URL(url);
  let info: RemoteTenant | undefined;
  try {
    info = await remoteTenant(base, tenantOption);
  } catch (error) {
    if (!(error instanceof UnknownTenant)) throw error;
    process.stderr.write(`leadbot: ${error.message}\n`);
    return 2;
  }
  // A server without the landing page (or an older one): the tenant as asked, else the usual default.
  const tenant = tenantOption ?? info?.tenant ?? 'demo';
  const wsUrl = new URL('/ws', base.href.replace(/^http/, 'ws'));
  wsUrl.searchParams.set('tenant', tenant);
  wsUrl.searchParams.set('session', session);
  const socket = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', (error) => reject(new Error(`cannot connect to ${wsUrl.origin}: ${error.message}`)));
  });
  socket.on('error', (error) => process.stderr.write(`leadbot: ${error.message}\n`));
  banner(info?.companyName ?? tenant, session);
  let pending: (() => void) | undefined;
  let quiet: NodeJS.Timeout | undefined;
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { type: string; text?: string; message?: string };
    if (frame.type === 'bot.message' && frame.text) printBot(frame.text);
    if (frame.type === 'error') process.stderr.write(`leadbot: ${frame.message ?? 'error'}\n`);
    // A turn may send several replies: it is over after a short quiet spell (or at once on an error).
    if (quiet) clearTimeout(quiet);
    if (frame.type === 'error') pending?.();
    else if (frame.type === 'bot.message') quiet = setTimeout(() => pending?.(), 400);
  });
  let leaving = false;
  const rl = keyboard();
  let lost = false;
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      if (!leaving) {
        // The server went away (or closed us): say so and stop reading, rather than wait for ever.
        lost = true;
        process.stderr.write(`leadbot: ${base.origin} closed the connection\n`);
        rl.close();
      }
      resolve();
    }),
  );
  prompt(rl);
  for await (const line of rl) {
    if (line.trim() !== '') {
      const answered = new Promise<void>((resolve) => (pending = resolve));
      socket.send(JSON.stringify({ type: 'user.message', id: newId('cli_'), text: line }));
      await Promise.race([answered, closed]);
    }
    if (lost) break;
    prompt(rl);
  }
  leaving = true;
  if (quiet) clearTimeout(quiet);
  socket.close();
  await closed;
  return lost ? 1 : 0;
}
