import { LmdbStore } from '../adapters/lmdb-store.ts';
import { AuditLog, type AuditCheckpoint } from '../audit/audit-log.ts';
import type { Config } from '../config/schema.ts';
import { resolveAdminToken } from '../http/auth.ts';
import { ContactData } from '../privacy/contacts.ts';
import type { Part } from './lifecycle.ts';

/** The node's own LMDB environment, its audit log and the privacy view over both. */
export interface Storage extends Part {
  store: LmdbStore;
  audit: AuditLog;
  contacts: ContactData;
  admin: ReturnType<typeof resolveAdminToken>;
  /** Cluster mode: each audit checkpoint is also published to NATS, out of this node's reach. */
  publishAuditHeads(publish: (checkpoint: AuditCheckpoint) => void): void;
}

/** Opens the store first: everything else keeps its state there. Closing checkpoints the audit log. */
export function createStorage(config: Readonly<Config>): Storage {
  const admin = resolveAdminToken(config.secrets.adminToken, config.dataDir);
  const store = LmdbStore.open(config.dataDir);
  let publishHead: ((checkpoint: AuditCheckpoint) => void) | undefined;
  const audit = new AuditLog(store, config.dataDir, {
    onCheckpoint: (checkpoint) => publishHead?.(checkpoint),
  });
  return {
    name: 'storage',
    store,
    audit,
    contacts: new ContactData(store, audit),
    admin,
    publishAuditHeads: (publish) => (publishHead = publish),
    close: async () => {
      audit.checkpoint();
      await store.close();
    },
  };
}
