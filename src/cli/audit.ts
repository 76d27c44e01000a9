import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LmdbStore } from '../adapters/lmdb-store.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { loadConfig } from '../config/load.ts';

export const AUDIT_HELP = `leadbot audit <verify|list> [--data-dir <dir>] [--limit <n>] [--json]

  verify   Walks the hash chain and the checkpoints in <dir>/audit-checkpoints.jsonl; prints
           "intact" and exits 0, or names the first tampered entry and exits 1.
  list     Prints entries as JSON lines (pseudonymous: no person ids or message text).
`;

/** `leadbot audit verify|list`: reads the audit log of a data folder (safe while the server runs). */
export async function runAudit(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  const action = positionals[0];
  if (values.help || (action !== 'verify' && action !== 'list')) {
    (values.help ? process.stdout : process.stderr).write(AUDIT_HELP);
    return values.help ? 0 : 2;
  }
  const dataDir = values['data-dir'] ?? loadConfig().dataDir;
  if (!existsSync(join(dataDir, 'data.mdb'))) {
    process.stderr.write(
      `leadbot audit: no leadbot data in ${dataDir} (set --data-dir or LEADBOT_DATA_DIR)\n`,
    );
    return 2;
  }
  const store = LmdbStore.open(dataDir);
  try {
    const log = new AuditLog(store, dataDir);
    if (action === 'list') {
      const limit = values.limit ? Number(values.limit) : undefined;
      for (const entry of log.list(limit ? { limit } : {}))
        process.stdout.write(`${JSON.stringify(entry)}\n`);
      return 0;
    }
    const result = log.verify();
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.ok)
      process.stdout.write(
        `audit log intact: ${result.entries} entries, head ${result.head.slice(0, 16) || '(empty)'}, ${result.checkpoints} checkpoints agree\n`,
      );
    else process.stdout.write(`audit log TAMPERED at entry ${result.seq}: ${result.problem}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}
