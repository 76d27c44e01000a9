import { LmdbOutbox } from '../adapters/lmdb-outbox.ts';
import { LmdbStore } from '../adapters/lmdb-store.ts';
import { existingDataDir } from './data-dir.ts';
import { systemClock } from '../ports/clock.ts';
import type { OutboxEntry } from '../ports/outbox.ts';
import { outboxAdmin } from '../composition/delivery.ts';
import { outboxStatusView } from '../runtime/outbox-view.ts';
import { UsageError, parseCommand } from './args.ts';

export const OUTBOX_HELP = `Usage: leadbot outbox [status|list|redrive] [options]

  What leads, tickets and team alerts are waiting to leave, and what failed for good.
  status              counts (pending, delivered, dead) and the age of the oldest undelivered entry
  list                dead letters (default) or, with --pending, what waits to be delivered
  redrive <id>        puts one dead letter back in the queue (delivered within seconds by a running
                      server: it looks for work every 15 s; the admin API wakes it at once)
  redrive --all       every dead letter (of --tenant, when given)

Options:
  --queue <name>      crm (default: leads and tickets to the CRM webhook) or alerts (Slack/Teams)
  --tenant <id>       only that tenant's entries
  --pending           list: pending entries, oldest first, instead of dead letters
  --limit <n>         list: at most n entries (default 50)
  --json              print JSON instead of a table
  --data-dir <dir>    data folder (default: LEADBOT_DATA_DIR, then ./data)
  -h, --help          show this help

Entries are shown without their contents (they hold personal data): id, tenant, kind, attempts,
age and the last error. With the server running, the admin API does the same:
GET /api/outbox, POST /api/outbox/<id>/redrive (docs/api.md).

Exit codes: 0 done; 1 no such entry, or it is not a dead letter; 2 bad usage or no data folder.
`;

const OPTIONS = {
  queue: { type: 'string' },
  tenant: { type: 'string' },
  pending: { type: 'boolean' },
  all: { type: 'boolean' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values'];

/** `leadbot outbox …` on a data folder. */
export async function runOutbox(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('outbox', args, OPTIONS, true);
  if (values.help) {
    process.stdout.write(OUTBOX_HELP);
    return 0;
  }
  const [action = 'status', id, ...extra] = positionals;
  if (!['status', 'list', 'redrive'].includes(action))
    throw new UsageError('outbox', `unknown action '${action}' (status, list or redrive)`);
  if (extra.length > 0 || (action !== 'redrive' && id !== undefined))
    throw new UsageError('outbox', `unexpected argument '${extra[0] ?? id}'`);
  if (action === 'redrive' && (id === undefined) === !values.all)
    throw new UsageError('outbox', 'redrive needs one entry id, or --all');
  const queue = values.queue ?? 'crm';
  if (queue !== 'crm' && queue !== 'alerts') throw new UsageError('outbox', '--queue is crm or alerts');
  const dataDir = existingDataDir('outbox', values['data-dir']);
  if (dataDir === undefined) return 2;
  const store = LmdbStore.open(dataDir);
  try {
    const outbox = new LmdbOutbox({ store, clock: systemClock, name: queue === 'crm' ? 'outbox' : 'alerts' });
    if (action === 'status') return await printStatus(outbox, values);
    if (action === 'list') return await printList(outbox, values);
    return await redrive(outbox, id, values);
  } finally {
    await store.close();
  }
}

async function printStatus(outbox: LmdbOutbox, values: Values): Promise<number> {
  // No dispatcher runs here: in-flight and failure counts are the server's, not the folder's.
  const status = outboxStatusView(await outboxAdmin(outbox, undefined).status(), Date.now());
  const { pending, delivered, dead, oldest_pending_age_s: age } = status;
  if (values.json)
    process.stdout.write(`${JSON.stringify({ pending, delivered, dead, oldest_pending_age_s: age })}\n`);
  else
    process.stdout.write(
      `pending ${pending} · delivered ${delivered} · dead ${dead}` +
        (age === null ? '' : ` · oldest undelivered ${formatAge(age * 1000)} old`) +
        (dead > 0 ? `\nre-drive dead letters: leadbot outbox redrive --all` : '') +
        '\n',
    );
  return 0;
}

async function printList(outbox: LmdbOutbox, values: Values): Promise<number> {
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('outbox', '--limit is a whole number ≥ 1');
  const status = values.pending ? 'pending' : 'dead';
  const entries = await outbox.list({ status, limit, ...(values.tenant ? { tenantId: values.tenant } : {}) });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(entries.map(withoutPayload), null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write(status === 'dead' ? 'no dead letters\n' : 'nothing is waiting\n');
    return 0;
  }
  const now = Date.now();
  const rows = entries.map((e) => [
    e.id,
    e.tenantId,
    e.kind,
    String(e.attempts),
    formatAge(now - e.createdAt),
    (e.lastError ?? '').slice(0, 60),
  ]);
  process.stdout.write(table(['id', 'tenant', 'kind', 'attempts', 'age', 'last error'], rows));
  return 0;
}

async function redrive(outbox: LmdbOutbox, id: string | undefined, values: Values): Promise<number> {
  if (values.all) {
    const count = await outbox.redriveAll(values.tenant);
    process.stdout.write(`re-drove ${count} dead letter(s)\n`);
    return 0;
  }
  const entry = await outbox.get(id!);
  if (!entry || (values.tenant && entry.tenantId !== values.tenant)) {
    process.stderr.write(`leadbot outbox: no entry '${id}'\n`);
    return 1;
  }
  if (entry.status !== 'dead') {
    process.stderr.write(`leadbot outbox: '${id}' is ${entry.status}, not a dead letter\n`);
    return 1;
  }
  await outbox.redrive(entry.id);
  process.stdout.write(`re-drove ${entry.id} (it is pending again)\n`);
  return 0;
}

function withoutPayload(entry: OutboxEntry): Omit<OutboxEntry, 'payload'> {
  const { payload: _payload, ...rest } = entry;
  return rest;
}

function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}
