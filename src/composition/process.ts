import { LeadbotError, errorMessage } from '../errors.ts';
import type { Config } from '../config/schema.ts';
import { isOutOfSpace } from '../runtime/disk-guard.ts';
import { isCommitFailure } from '../util/lmdb-errors.ts';
import type { Leadbot } from './node.ts';

/**
 * `npm start`: loads config (exit 78 on a bad one), starts the node (exit 1, or 78 for invalid config),
 * and stops it cleanly on SIGINT/SIGTERM; a second signal exits at once (130).
 */
export async function runNode(
  loadConfig: () => Readonly<Config>,
  startLeadbot: (config: Readonly<Config>) => Promise<Leadbot>,
): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`leadbot: ${errorMessage(error)}\n`);
    process.exit(78);
  }
  const node = await startLeadbot(config).catch((error: unknown) => {
    const code = error instanceof LeadbotError ? ` [${error.code}]` : '';
    process.stderr.write(`leadbot: could not start${code}: ${errorMessage(error)}\n`);
    process.exit(error instanceof LeadbotError && error.code === 'config_invalid' ? 78 : 1);
  });
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      process.stderr.write(`leadbot: second ${signal}, exiting now\n`);
      process.exit(130);
    }
    const exit = (code: number) => () => process.exit(code);
    node.close().then(exit(0), (error: unknown) => {
      process.stderr.write(`leadbot: shutdown failed: ${errorMessage(error)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('unhandledRejection', survivableWriteFailure);
}

/**
 * A write nobody waited for that failed for lack of space (lmdb-js reports a failed commit to every
 * write in it, awaited or not) must not stop the node: the awaited writes of that commit already
 * failed their turn honestly and the disk guard refuses new messages. Anything else keeps Node's
 * default: the process stops with the error.
 */
function survivableWriteFailure(reason: unknown): void {
  if (!isCommitFailure(reason) && !isOutOfSpace(reason)) throw reason;
  process.stderr.write(`leadbot: a background write failed (${errorMessage(reason)}); continuing\n`);
}
