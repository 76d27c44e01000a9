import { redactUrl } from '../adapters/nats/connection.ts';
import type { TenantConfig } from '../config/tenant.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { KeyPoolApi } from '../runtime/key-pool-actor.ts';
import type { ClusterLayer } from './cluster.ts';
import type { Storage } from './storage.ts';

/** One line that says what this node runs on (never a secret), and where the admin token is. */
export function logListening(
  config: Readonly<Config>,
  log: Logger,
  node: {
    url: string;
    tenants: ReadonlyMap<string, TenantConfig>;
    modelName: string;
    pool: KeyPoolApi | undefined;
    cluster: ClusterLayer;
    admin: Storage['admin'];
  },
): void {
  const { pool, cluster, admin } = node;
  log.info(
    {
      url: node.url,
      dataDir: config.dataDir,
      tenants: [...node.tenants.keys()],
      model: node.modelName,
      llm: pool
        ? `${config.llm.baseUrl} with ${pool.keyIds.length} key(s): ${pool.keyIds.join(', ')}`
        : 'no LEADBOT_LLM_KEYS: built-in model',
      crm: config.crm.webhookUrl
        ? new URL(config.crm.webhookUrl).origin
        : 'no webhook: leads are stored and listed at /api/leads',
      bus: cluster.nats ? `nats ${redactUrl(config.cluster.natsUrl!)} (role ${cluster.role})` : 'in-process',
      adminToken: admin.file ? `in ${admin.file}` : 'from LEADBOT_ADMIN_TOKEN',
    },
    'leadbot listening',
  );
  if (admin.generated)
    log.warn(
      { file: admin.file },
      'LEADBOT_ADMIN_TOKEN is not set: generated an admin token for /api/*; read it from the file',
    );
}
