/**
 * `leadbot` command line. Output for people goes to stdout; logs go to stderr.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { errorMessage } from '../errors.ts';
import { runChat } from './chat.ts';

const HELP = `leadbot — lead-capture chatbot runtime

Usage:
  leadbot <command> [options]

Commands:
  chat      Talk to the bot from the terminal (the keyboard is a channel).
            --tenant <id>     tenant to talk to (default: the configured default, "demo")
            --session <id>    conversation to resume (default: "cli-<your user name>")
            --url <http url>  talk to a running server over its WebSocket instead of
                              starting an embedded runtime on the same data folder
  metrics   Every node's metrics from NATS (leadbot.metrics.>), cluster mode.
            --watch           redraw a live table every second (Ctrl-C quits); without it,
                              print one JSON snapshot and exit
            --url <nats url>  NATS server (default: LEADBOT_NATS_URL, then nats://127.0.0.1:4222)
  contacts  export | erase <id>: everything stored about one person (id, email, phone, @user).
            --tenant <id>  --data-dir <dir>  --yes (erase)
  audit     verify | list: check the hash-chained audit log, or print it.
            --data-dir <dir>  data folder (default: LEADBOT_DATA_DIR or ./data)
  guard     Screen messages for prompt injection: one message per line on stdin (plain text
            or JSON lines with "text"), one JSON verdict per line on stdout.
            --block <score> / --flag <score>  thresholds (default 0.8 / 0.5)
  help      Show this help.

Options:
  -h, --help      Show this help.
  -v, --version   Print the version.

The server itself starts with \`npm start\` (see README.md for every setting).
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '-h' || command === '--help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (command === '-v' || command === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (command === 'guard') {
    const { runGuard } = await import('../security/guard-cli.ts');
    return runGuard(rest);
  }
  if (command === 'chat') {
    const { values } = parseArgs({
      args: rest,
      options: {
        tenant: { type: 'string' },
        session: { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    return runChat(values);
  }
  if (command === 'metrics') {
    const { values } = parseArgs({
      args: rest,
      options: {
        watch: { type: 'boolean', short: 'w' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const { DEFAULT_NATS_URL, runMetrics } = await import('./metrics.ts');
    const { loadConfig } = await import('../config/load.ts');
    return runMetrics({
      url: values.url ?? loadConfig().cluster.natsUrl ?? DEFAULT_NATS_URL,
      watch: values.watch === true,
    });
  }
  if (command === 'contacts') {
    const { runContacts } = await import('./contacts.ts');
    return runContacts(rest);
  }
  if (command === 'audit') {
    const { runAudit } = await import('./audit.ts');
    return runAudit(rest);
  }
  process.stderr.write(`leadbot: unknown command '${command}'. Run 'leadbot --help' for the list.\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`leadbot: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
