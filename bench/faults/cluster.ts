import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLeadbotProcess, type LeadbotProcess } from '../../test/helpers/leadbot-process.ts';
import { startNatsServer, type NatsServer } from '../../test/helpers/nats-server.ts';
import { startFakeLlmServer, type FakeLlmServer } from '../../src/fake-llm/server.ts';
import { FakeCrm } from './crm.ts';

export const ADMIN_TOKEN = 'faults-admin-token';
const CRM_SECRET = 'faults-crm-secret';

export interface FaultClusterOptions {
  workers: number;
  /** Partition lease time (default: the product's default, 10 s). */
  leaseTtlMs?: number;
  partitions?: number;
  /** Each worker's data folder on its own tmpfs of this many MB (needs root; see `mounted`). */
  tmpfsMb?: number;
  /** Answer through the project's OpenAI-compatible test server with this latency (default: built-in model). */
  modelLatencyMs?: number;
  /** More settings for every node. */
  settings?: Record<string, unknown>;
}

/** A gateway and N workers on a real nats-server, with a fake CRM: the system under fault. */
export class FaultCluster {
  readonly workers: LeadbotProcess[] = [];
  gateway!: LeadbotProcess;
  nats!: NatsServer;
  readonly crm = new FakeCrm();
  private llm: FakeLlmServer | undefined;
  settings = '';
  private readonly all: LeadbotProcess[] = [];
  /** Each worker's tmpfs (by node id), when `tmpfsMb` was given and mounting worked. */
  readonly mounts = new Map<string, string>();

  private constructor(private readonly options: FaultClusterOptions) {}

  static async start(options: FaultClusterOptions): Promise<FaultCluster> {
    const cluster = new FaultCluster(options);
    await cluster.boot();
    return cluster;
  }

  private async boot(): Promise<void> {
    this.nats = await startNatsServer({ jetstream: true });
    if (this.options.modelLatencyMs !== undefined)
      this.llm = await startFakeLlmServer({
        keys: { 'fault-key': {} },
        latencyMs: this.options.modelLatencyMs,
      });
    await this.crm.start();
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-faults-'));
    this.settings = join(dir, 'settings.json');
    const cluster: Record<string, number> = { partitions: this.options.partitions ?? 8 };
    if (this.options.leaseTtlMs) cluster.leaseTtlMs = this.options.leaseTtlMs;
    const crm = { maxBackoffMs: 2_000, timeoutMs: 1_500 };
    writeFileSync(this.settings, JSON.stringify({ cluster, crm, ...this.options.settings }));
    const [gateway, ...workers] = await Promise.all([
      this.node('gw', 'gateway'),
      ...Array.from({ length: this.options.workers }, (_, i) => this.node(`w${i + 1}`, 'worker')),
    ]);
    this.gateway = gateway!;
    this.workers.push(...workers);
    await this.untilBalanced();
  }

  /** Starts one more leadbot process of this cluster. */
  node(nodeId: string, role: 'gateway' | 'worker', settings = this.settings): Promise<LeadbotProcess> {
    const disk = role === 'worker' && this.options.tmpfsMb ? this.mount(nodeId) : undefined;
    return startLeadbotProcess({
      ...(disk ? { dataDir: join(disk, 'data') } : {}),
      env: {
        LEADBOT_NATS_URL: this.nats.url,
        LEADBOT_ROLE: role,
        LEADBOT_NODE_ID: nodeId,
        LEADBOT_CONFIG: settings,
        LEADBOT_ADMIN_TOKEN: ADMIN_TOKEN,
        LEADBOT_CRM_WEBHOOK_URL: this.crm.url,
        LEADBOT_CRM_WEBHOOK_SECRET: CRM_SECRET,
        LEADBOT_LOG_LEVEL: 'info',
        ...(this.llm
          ? {
              LEADBOT_LLM_KEYS: 'fault=fault-key',
              LEADBOT_LLM_BASE_URL: this.llm.url,
              LEADBOT_LLM_MODEL: 'fake-builtin',
              LEADBOT_LLM_RPM: '100000',
            }
          : {}),
      },
    }).then((node) => {
      this.all.push(node);
      return node;
    });
  }

  /** Waits until every worker owns a partition (the first one up takes all, then hands some over). */
  async untilBalanced(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const owns = (w: LeadbotProcess) => w.output().includes('partition acquired');
    while (!this.workers.every(owns)) {
      if (Date.now() > deadline) throw new Error('the workers did not share the partitions within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Let the hand-overs of the first round settle.
    await new Promise((r) => setTimeout(r, 1_000));
  }

  /** Every lead the gateway lists (read from the shared lead bucket). */
  async leads(): Promise<
    { lead_id: string; tenant_id: string; conversation_id: string; status: string; qualification: string }[]
  > {
    const res = await fetch(`${this.gateway.url}/api/leads`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    if (!res.ok) throw new Error(`GET /api/leads answered ${res.status}`);
    return ((await res.json()) as { leads: [] }).leads;
  }

  private mount(nodeId: string): string | undefined {
    const dir = mkdtempSync(join(tmpdir(), `leadbot-faults-disk-${nodeId}-`));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${this.options.tmpfsMb}m`, 'tmpfs', dir], {
        stdio: 'ignore',
      });
    } catch {
      return undefined;
    }
    this.mounts.set(nodeId, dir);
    return dir;
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((n) => n.stop('SIGKILL')));
    for (const dir of this.mounts.values()) {
      try {
        execFileSync('umount', [dir], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    await this.crm.stop();
    await this.llm?.close();
    await this.nats.dispose();
  }
}
