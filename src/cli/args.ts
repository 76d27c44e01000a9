/**
 * Argument parsing shared by the `leadbot` subcommands: `node:util` `parseArgs`, strict, with its
 * errors turned into one clear line that names the subcommand and where its help is.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called: exit code 2, the message and a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    /** `chat`, `metrics`, … or undefined for `leadbot` itself. */
    readonly command: string | undefined,
    message: string,
  ) {
    super(message);
  }

  /** What the user sees on stderr. */
  render(): string {
    const who = this.command ? `leadbot ${this.command}` : 'leadbot';
    return `${who}: ${this.message}\nRun '${who} --help' for usage.\n`;
  }
}

/** `parseArgs` error codes (Node ≥ 18.3) and the wording we give them. */
function explain(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const message = error.message;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const option = /'([^']+)'/.exec(message)?.[1] ?? 'option';
      return `unknown option '${option}'`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "Option '--url <value>' argument missing" or "Option '-w, --watch' does not take an argument".
      const option = /'([^']+)'/.exec(message)?.[1];
      if (/argument missing/.test(message)) return `option '${option}' needs a value`;
      if (/does not take an argument/.test(message)) return `option '${option}' takes no value`;
      return message;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /'([^']+)'/.exec(message)?.[1] ?? '';
      return `unexpected argument '${arg}'`;
    }
    default:
      return undefined;
  }
}

/**
 * `parseArgs` with `strict: true`; a bad option or argument is a `UsageError` for `command`.
 * `-h` / `--help` is always accepted.
 */
export function parseCommand<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string | undefined,
  args: readonly string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (error) {
    const explained = explain(error);
    if (explained === undefined) throw error;
    throw new UsageError(command, explained);
  }
}
