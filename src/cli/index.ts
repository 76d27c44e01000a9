/**
 * `leadbot` command line. Output for people goes to stdout; logs and errors go to stderr.
 *
 * Every subcommand parses its own arguments (`node:util` `parseArgs`, strict) and has its own
 * `--help`. Exit codes: 0 done, 1 it failed (said on stderr), 2 bad usage. The process exits once the
 * command is over, whatever a library left open (a socket, a timer), so no command hangs.
 */
import { readFileSync } from 'node:fs';
import { errorMessage } from '../errors.ts';
import { UsageError } from './args.ts';

interface Command {
  /** The line in `leadbot --help`. */
  summary: string;
  /** Its own `--help` text (loaded only when asked for). */
  help: () => Promise<string>;
  run: (args: string[]) => Promise<number>;
}

/** Subcommands load their modules only when run, so `leadbot --help` answers at once. */
const COMMANDS: Record<string, Command> = {
  chat: {
    summary: 'Talk to the bot from the terminal (the keyboard is a channel).',
    help: async () => (await import('./chat.ts')).CHAT_HELP,
    run: async (args) => (await import('./chat.ts')).chatCommand(args),
  },
  metrics: {
    summary: 'What a node (http://…) or the cluster (nats://…) is doing; --watch for live.',
    help: async () => (await import('./metrics.ts')).METRICS_HELP,
    run: async (args) => (await import('./metrics.ts')).metricsCommand(args),
  },
  contacts: {
    summary: 'export | erase <id>: everything stored about one person (id, email, phone, @user).',
    help: async () => (await import('./contacts.ts')).CONTACTS_HELP,
    run: async (args) => (await import('./contacts.ts')).runContacts(args),
  },
  outbox: {
    summary: 'status | list | redrive: leads and alerts waiting to leave, and dead letters to re-drive.',
    help: async () => (await import('./outbox.ts')).OUTBOX_HELP,
    run: async (args) => (await import('./outbox.ts')).runOutbox(args),
  },
  audit: {
    summary: 'verify | list: check the hash-chained audit log, or print it.',
    help: async () => (await import('./audit.ts')).AUDIT_HELP,
    run: async (args) => (await import('./audit.ts')).runAudit(args),
  },
  capacity: {
    summary: 'Load test (Locust) against the fake LLM: how many conversations one key holds.',
    help: async () => (await import('./capacity.ts')).CAPACITY_HELP,
    run: async (args) => (await import('./capacity.ts')).capacityCommand(args),
  },
  chart: {
    summary: 'Print a state machine (conversation, keypool) as Mermaid, DOT, JSON or SVG.',
    help: async () => (await import('./chart.ts')).CHART_HELP,
    run: async (args) => (await import('./chart.ts')).chartCommand(args),
  },
  replay: {
    summary: 'Run a stored or exported conversation again on the current machine; print what changed.',
    help: async () => (await import('./replay.ts')).REPLAY_HELP,
    run: async (args) => (await import('./replay.ts')).replayCommand(args),
  },
  guard: {
    summary: 'Screen messages for prompt injection: one per line on stdin, one JSON verdict per line.',
    help: async () => (await import('../security/guard-cli.ts')).GUARD_HELP,
    run: async (args) => (await import('../security/guard-cli.ts')).runGuard(args),
  },
};

const HELP = `leadbot — lead-capture chatbot runtime

Usage:
  leadbot <command> [options]
  leadbot <command> --help      that command's options and examples

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(9)} ${command.summary}`)
  .join('\n')}
  help      Show this help, or a command's: leadbot help <command>.

Options:
  -h, --help      Show this help.
  -v, --version   Print the version.

Exit codes: 0 done, 1 failed (the reason is on stderr), 2 bad usage.
The server itself starts with \`npm start\`; every setting is in docs/configuration.md, every
command in docs/cli.md.
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (name === '-v' || name === '--version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (name === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      process.stdout.write(HELP);
      return 0;
    }
    const command = COMMANDS[topic];
    if (!command) throw new UsageError(undefined, `unknown command '${topic}'`);
    process.stdout.write(await command.help());
    return 0;
  }
  if (name.startsWith('-')) throw new UsageError(undefined, `unknown option '${name}'`);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`leadbot: unknown command '${name}'. Run 'leadbot --help' for the list.\n`);
    return 2;
  }
  return command.run(rest);
}

/** Waits until what was written to `stream` has been handed to the OS (or the stream is gone). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}

async function exit(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.race([
    Promise.all([drained(process.stdout), drained(process.stderr)]),
    new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
  ]);
  process.exit(code);
}

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  if (error instanceof UsageError) process.stderr.write(error.render());
  else process.stderr.write(`leadbot: ${errorMessage(error)}\n`);
  return exit(error instanceof UsageError ? 2 : 1);
});
