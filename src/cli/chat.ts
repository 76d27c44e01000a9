import { userInfo } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import WebSocket from 'ws';
import { submit } from '../channels/intake.ts';
import { conversationIdFor } from '../channels/intake.ts';
import { collectTurn } from '../channels/turn-collector.ts';
import { loadConfig } from '../config/load.ts';
import { errorMessage } from '../errors.ts';
import { newId } from '../ids.ts';
import { createLogger } from '../logger.ts';
import { startLeadbot } from '../main.ts';

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

/** The keyboard producer: each line is a message; replies are printed as they come. */
export async function runChat(options: ChatOptions): Promise<number> {
  const session = options.session ?? defaultSession();
  if (options.url) return runRemoteChat(options.url, options.tenant ?? 'demo', session);
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
  if (interactive)
    process.stdout.write(
      `Chatting with ${node.intake.tenants.get(tenantId)!.companyName} (session ${session}). Ctrl-D to quit.\n`,
    );
  const rl = keyboard();
  prompt(rl);
  try {
    for await (const line of rl) {
      if (line.trim() === '') {
        prompt(rl);
        continue;
      }
      const id = newId('cli_');
      const turn = collectTurn(
        node.bus,
        id,
        conversationIdFor(tenantId, 'cli', session),
        config.server.restReplyTimeoutMs,
      );
      try {
        await submit(node.intake, { id, tenantId, channel: 'cli', userId: session, text: line });
        const { replies } = await turn.done;
        for (const reply of replies) printBot(reply.text);
      } catch (error) {
        turn.cancel();
        process.stderr.write(`leadbot: ${errorMessage(error)}\n`);
      }
      prompt(rl);
    }
  } finally {
    await node.close();
  }
  return 0;
}

async function runRemoteChat(url: string, tenant: string, session: string): Promise<number> {
  const wsUrl = new URL('/ws', url.replace(/^http/, 'ws'));
  wsUrl.searchParams.set('tenant', tenant);
  wsUrl.searchParams.set('session', session);
  const socket = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', (error) => reject(new Error(`cannot connect to ${wsUrl.origin}: ${error.message}`)));
  });
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
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const rl = keyboard();
  prompt(rl);
  for await (const line of rl) {
    if (line.trim() !== '') {
      const answered = new Promise<void>((resolve) => (pending = resolve));
      socket.send(JSON.stringify({ type: 'user.message', id: newId('cli_'), text: line }));
      await Promise.race([answered, closed]);
    }
    prompt(rl);
  }
  socket.close();
  await closed;
  return 0;
}
