import { LmdbStore } from '../adapters/lmdb-store.ts';
import { existingDataDir } from './data-dir.ts';
import { AuditLog, type AuditCheckpoint } from '../audit/audit-log.ts';
import { openAuditHeads, publishedHeads } from '../adapters/nats/audit-heads.ts';
import { connectNats } from '../adapters/nats/connection.ts';
import { parseCommand, UsageError } from './args.ts';

export const AUDIT_HELP = `Usage: leadbot audit <verify|list> [--data-dir <dir>] [--limit <n>] [--json]
                            [--nats <url> --node <node id>]

  verify   Walks the hash chain and the checkpoints in <dir>/audit-checkpoints.jsonl (and, with
           --nats, the heads the node published to NATS, out of its own reach); prints "intact"
           and exits 0, or names the first tampered entry and exits 1.
  list     Prints entries as JSON lines (pseudonymous: no person ids or message text).

Options:
  --data-dir <dir>   data folder (default: LEADBOT_DATA_DIR, then ./data)
  --limit <n>        list: at most n entries
  --json             verify: print the result as one JSON line
  --nats <url>       verify: also check against the heads published to NATS (needs --node)
  --node <node id>   the LEADBOT_NODE_ID of the node that wrote the log
  -h, --help         show this help

Exit codes: 0 intact (or listed); 1 tampered; 2 bad usage or no data in the folder.
`;

/** `leadbot audit verify|list`: reads the audit log of a data folder (safe while the server runs). */
export async function runAudit(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    'audit',
    args,
    {
      'data-dir': { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      nats: { type: 'string' },
      node: { type: 'string' },
    },
    true,
  );
  const action = positionals[0];
  if (values.help || (action !== 'verify' && action !== 'list')) {
    (values.help ? process.stdout : process.stderr).write(AUDIT_HELP);
    return values.help ? 0 : 2;
  }
  const dataDir = existingDataDir('audit', values['data-dir']);
  if (dataDir === undefined) return 2;
  const store = LmdbStore.open(dataDir);
  try {
    const log = new AuditLog(store, dataDir);
    if (action === 'list') {
      if (values.limit !== undefined && !/^[1-9]\d*$/.test(values.limit))
        throw new UsageError('audit', `--limit takes a whole number above 0; got '${values.limit}'`);
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
