import { LmdbStore } from '../adapters/lmdb-store.ts';
import { existingDataDir } from './data-dir.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { parseCommand } from './args.ts';
import { ContactData } from '../privacy/contacts.ts';

export const CONTACTS_HELP = `Usage: leadbot contacts <export|erase> <id> [--tenant <id>] [--data-dir <dir>] [--yes]

  <id> is a conversation id, a lead id, an email, a phone number or a @username.
  export   Prints everything stored about the person as JSON (history, snapshots, leads,
           summaries, insights, CRM outbox entries, pseudonymous audit entries).
  erase    Deletes all of it (asks for --yes). The audit log stays verifiable: the person's
           pseudonym key is destroyed. With the server running, prefer the admin API
           (DELETE /api/contacts/<id>), which also drops the conversation from memory.

Options:
  --tenant <id>      only that tenant's conversations
  --data-dir <dir>   data folder (default: LEADBOT_DATA_DIR, then ./data)
  --yes              erase: really erase
  -h, --help         show this help

Exit codes: 0 done; 1 nothing stored about <id>; 2 bad usage, no data, or erase without --yes.
`;

/** `leadbot contacts export|erase <id>` on a data folder. */
export async function runContacts(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    'contacts',
    args,
    {
      'data-dir': { type: 'string' },
      tenant: { type: 'string' },
      yes: { type: 'boolean' },
    },
    true,
  );
  const [action, id] = positionals;
  if (values.help) {
    process.stdout.write(CONTACTS_HELP);
    return 0;
  }
  if ((action !== 'export' && action !== 'erase') || !id) {
    process.stderr.write(CONTACTS_HELP);
    return 2;
  }
  const dataDir = existingDataDir('contacts', values['data-dir']);
  if (dataDir === undefined) return 2;
  const store = LmdbStore.open(dataDir);
  try {
    const contacts = new ContactData(store, new AuditLog(store, dataDir));
    const query = { id, ...(values.tenant ? { tenantId: values.tenant } : {}) };
    const found = contacts.find(query);
    if (found.conversationIds.length === 0) {
      process.stderr.write(`leadbot contacts: nothing is stored about '${id}'\n`);
      return 1;
    }
    if (action === 'export') {
      process.stdout.write(`${JSON.stringify(contacts.export(query), null, 2)}\n`);
      return 0;
    }
    if (!values.yes) {
      process.stderr.write(
        `leadbot contacts: this erases ${found.conversationIds.length} conversation(s) and ${found.leads.length} lead(s); run again with --yes\n`,
      );
      return 2;
    }
    const result = contacts.erase(query);
    process.stdout.write(`${JSON.stringify({ erased: result })}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
