import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LmdbStore } from '../adapters/lmdb-store.ts';
import { AuditLog, type AuditCheckpoint } from '../audit/audit-log.ts';
import { openAuditHeads, publishedHeads } from '../adapters/nats/audit-heads.ts';
import { connectNats } from '../adapters/nats/connection.ts';
import { loadConfig } from '../config/load.ts';

export const AUDIT_HELP = `leadbot audit <verify|list> [--data-dir <dir>] [--limit <n>] [--json]
                           [--nats <url> --node <node id>]

  verify   Walks the hash chain and the checkpoints in <dir>/audit-checkpoints.jsonl (and, with
           --nats, the heads the node published to NATS, out of its own reach); prints "intact"
           and exits 0, or names the first tampered entry and exits 1.
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
      nats: { type: 'string' },
      node: { type: 'string' },
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
    const extra: AuditCheckpoint[] = [];
    if (values.nats) {
      const node = values.node ?? process.env.LEADBOT_NODE_ID;
      if (!node) {
        process.stderr.write(
          'leadbot audit: --nats needs --node <node id> (the LEADBOT_NODE_ID of the node that wrote the log)\n',
        );
        return 2;
      }
      const nc = await connectNats({ url: values.nats, name: 'leadbot audit verify' });
      try {
        extra.push(...(await publishedHeads(await openAuditHeads(nc), node)));
      } finally {
        await nc.close();
      }
      if (extra.length === 0) process.stderr.write(`leadbot audit: NATS holds no heads for node ${node}\n`);
    }
    const result = log.verify(extra);
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
