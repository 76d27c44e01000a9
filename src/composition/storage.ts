import { LmdbStore } from '../adapters/lmdb-store.ts';
import { checkDataFile, scanLeads } from '../adapters/store-integrity.ts';
import { AuditLog, type AuditCheckpoint } from '../audit/audit-log.ts';
import type { Config } from '../config/schema.ts';
import { resolveAdminToken } from '../http/auth.ts';
import { systemClock } from '../ports/clock.ts';
import { ContactData } from '../privacy/contacts.ts';
import { DiskGuard } from '../runtime/disk-guard.ts';
import type { Part } from './lifecycle.ts';

/** The node's own LMDB environment, its audit log and the privacy view over both. */
export interface Storage extends Part {
  store: LmdbStore;
  audit: AuditLog;
  contacts: ContactData;
  admin: ReturnType<typeof resolveAdminToken>;
  /** Free space on the data disk; a full one makes admission refuse (absent with `storage.minFreeMb` 0). */
  disk?: DiskGuard;
  /** Cluster mode: each audit checkpoint is also published to NATS, out of this node's reach. */
  publishAuditHeads(publish: (checkpoint: AuditCheckpoint) => void): void;
}

/**
 * Checks the data folder (refusing a damaged one, see `store-integrity.ts`), then opens the store:
 * everything else keeps its state there. Closing checkpoints the audit log.
 */
export function createStorage(config: Readonly<Config>): Storage {
  checkDataFile(config.dataDir);
  scanLeads(config.dataDir);
  const admin = resolveAdminToken(config.secrets.adminToken, config.dataDir);
  const store = LmdbStore.open(config.dataDir);
  const { minFreeMb, checkIntervalMs } = config.storage;
  const disk =
    minFreeMb > 0
      ? new DiskGuard({
          dataDir: config.dataDir,
          minFreeBytes: minFreeMb * 2 ** 20,
          intervalMs: checkIntervalMs,
          clock: systemClock,
        })
      : undefined;
  disk?.start();
  store.onWriteError = (error) => disk?.noteWriteError(error);
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
    ...(disk ? { disk } : {}),
    publishAuditHeads: (publish) => (publishHead = publish),
    close: async () => {
      disk?.stop();
      audit.checkpoint();
      await store.close();
    },
  };
}
