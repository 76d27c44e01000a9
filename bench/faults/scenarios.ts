import { mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaultCluster } from './cluster.ts';
import { runProspects, type SentMessage } from './prospects.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What one fault run measured. */
export interface FaultResult {
  fault: string;
  messages: number;
  acknowledged: number;
  answered: number;
  /** Acknowledged and never answered. */
  lost: number;
  /** Messages answered more than once. */
  duplicated: number;
  turn_p50_ms: number;
  turn_p99_ms: number;
  turn_max_ms: number;
  leads_stored: number;
  leads_delivered: number;
  /** Stored leads whose CRM push never arrived. */
  leads_missing: number;
  /** Idempotency keys the CRM accepted twice. */
  crm_duplicates: number;
  /** Conversations that ended with more than one lead. */
  leads_duplicated: number;
  /** From the end of the fault to the last message answered or lead delivered (s). */
  recover_s: number;
  notes: string[];
}

export interface FaultScenario {
  name: string;
  describe: string;
  workers: number;
  leaseTtlMs?: number;
  /** Model latency (the OpenAI-compatible test server); default: the built-in model, instant. */
  modelLatencyMs?: number;
  /** Workers' data folders on a tmpfs of this many MB. */
  tmpfsMb?: number;
  settings?: Record<string, unknown>;
  /** Injects the fault; resolves when it is over, with when it ended. */
  inject(cluster: FaultCluster, notes: string[]): Promise<number>;
}

const victim = (cluster: FaultCluster) => cluster.workers[0]!;

/** SIGSTOP of the victim for 5 s (longer than the 3 s lease of the pause cases); resolves at SIGCONT. */
async function pauseVictim(cluster: FaultCluster): Promise<number> {
  victim(cluster).child.kill('SIGSTOP');
  await sleep(5_000);
  victim(cluster).child.kill('SIGCONT');
  return Date.now();
}

/** How many log lines of the victim contain `text`. */
const logged = (cluster: FaultCluster, text: string) => victim(cluster).output().split(text).length - 1;

/** A note that fails the run (the fault's own check did not hold). */
export const FAIL = 'FAIL: ';

export const SCENARIOS: FaultScenario[] = [
  {
    name: 'none',
    describe: 'no fault (the control run)',
    workers: 2,
    inject: () => Promise.resolve(Date.now()),
  },
  {
    name: 'kill',
    describe: 'kill -9 of a worker',
    workers: 2,
    inject: (cluster) => {
      victim(cluster).child.kill('SIGKILL');
      return Promise.resolve(Date.now());
    },
  },
  {
    name: 'pause',
    describe: 'SIGSTOP of a worker for longer than its lease, then SIGCONT',
    workers: 2,
    leaseTtlMs: 3_000,
    inject: (cluster) => pauseVictim(cluster),
  },
  {
    name: 'pause-mid-turn',
    describe: 'as pause, with a 700 ms model: turns are in flight when the worker stops and when it resumes',
    workers: 2,
    leaseTtlMs: 3_000,
    modelLatencyMs: 700,
    inject: async (cluster, notes) => {
      const resumed = await pauseVictim(cluster);
      await sleep(2_000);
      const stale = logged(cluster, 'lost the conversation to another node mid-turn');
      const lost = logged(cluster, 'partition lease lost');
      notes.push(`w1 resumed: ${lost} leases lost, ${stale} in-flight turns abandoned as a stale owner`);
      return resumed;
    },
  },
  {
    name: 'nats-restart',
    describe: 'nats-server down 3 s, restarted on the same store',
    workers: 2,
    inject: async (cluster) => {
      await cluster.nats.restart({ downMs: 3_000 });
      return Date.now();
    },
  },
  {
    name: 'crm-outage',
    describe: 'the CRM answers 500 for 4 s, then hangs for 4 s, then recovers',
    workers: 2,
    inject: async (cluster) => {
      cluster.crm.setMode('fail');
      await sleep(4_000);
      cluster.crm.setMode('hang');
      await sleep(4_000);
      cluster.crm.setMode('ok');
      return Date.now();
    },
  },
  {
    name: 'disk-full',
    describe: "a worker's data disk full for 4 s (a tmpfs filled from outside), then freed",
    workers: 2,
    tmpfsMb: 48,
    settings: { storage: { minFreeMb: 4 } },
    inject: async (cluster, notes) => {
      const disk = cluster.mounts.get('w1');
      if (!disk) {
        notes.push('skipped the disk fill: mounting a tmpfs needs root');
        return Date.now();
      }
      fillDisk(disk);
      await sleep(4_000);
      rmSync(join(disk, 'filler'), { recursive: true, force: true });
      const refused = logged(cluster, 'the message could not be kept');
      notes.push(`w1 could not keep ${refused} turns for lack of space; they were queued again`);
      return Date.now();
    },
  },
  {
    name: 'bad-config',
    describe: 'a worker restarted on a corrupt config file: refused with a clear message, the others serve',
    workers: 2,
    inject: async (cluster, notes) => {
      victim(cluster).child.kill('SIGKILL');
      const broken = `${cluster.settings}.broken.json`;
      writeFileSync(broken, readFileSync(cluster.settings, 'utf8').slice(0, -7));
      const refusal = await cluster.node('w1-again', 'worker', broken).then(
        () => `${FAIL}a worker started on a corrupt config file`,
        (error: unknown) => String(error),
      );
      const clear = /exited with 78/.test(refusal) && /config/i.test(refusal);
      notes.push(clear ? 'corrupt config refused at start (exit 78, names the file)' : `${FAIL}${refusal}`);
      return Date.now();
    },
  },
  {
    name: 'kill-crm-down',
    describe: 'kill -9 of a worker while the CRM is down (its undelivered leads must not die with it)',
    workers: 2,
    inject: async (cluster) => {
      cluster.crm.setMode('fail');
      await sleep(3_000);
      victim(cluster).child.kill('SIGKILL');
      await sleep(2_000);
      cluster.crm.setMode('ok');
      return Date.now();
    },
  },
];

/** Fills a file system to the last byte (in a few files: one write may stop short). */
function fillDisk(dir: string): void {
  mkdirSync(join(dir, 'filler'), { recursive: true });
  for (const name of ['a', 'b', 'c'])
    try {
      writeFileSync(join(dir, 'filler', name), Buffer.alloc(statfsSync(dir).bavail * statfsSync(dir).bsize));
    } catch {
      // full
    }
}

export interface RunOptions {
  prospects: number;
  /** Prospects start over this long; the fault comes at a random moment inside it (ms). */
  spreadMs: number;
}

/** Runs one scenario on a fresh cluster and measures what the prospects and the CRM saw. */
export async function runScenario(scenario: FaultScenario, options: RunOptions): Promise<FaultResult> {
  const cluster = await FaultCluster.start({
    workers: scenario.workers,
    ...(scenario.leaseTtlMs ? { leaseTtlMs: scenario.leaseTtlMs } : {}),
    ...(scenario.tmpfsMb ? { tmpfsMb: scenario.tmpfsMb } : {}),
    ...(scenario.modelLatencyMs !== undefined ? { modelLatencyMs: scenario.modelLatencyMs } : {}),
    ...(scenario.settings ? { settings: scenario.settings } : {}),
  });
  const notes: string[] = [];
  try {
    const prospects = runProspects({
      baseUrl: cluster.gateway.url,
      prospects: options.prospects,
      spreadMs: options.spreadMs,
      restEvery: 4,
    });
    await sleep(options.spreadMs * (0.25 + Math.random() * 0.35));
    const ended = await scenario.inject(cluster, notes);
    const sent = await prospects;
    const delivered = await untilDelivered(cluster, 30_000);
    return measure(scenario.name, sent, delivered, cluster, ended, notes);
  } finally {
    await cluster.stop();
  }
}

/** Waits until every stored lead reached the CRM (or the time is up). */
async function untilDelivered(cluster: FaultCluster, withinMs: number) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const leads = await cluster.leads();
    const keys = new Set(cluster.crm.delivered('crm.lead'));
    const missing = leads.filter((l) => l.qualification !== 'spam' && !keys.has(leadKey(l)));
    if (missing.length === 0 || Date.now() > deadline) return { leads, missing };
    await sleep(500);
  }
}

const leadKey = (l: { tenant_id: string; lead_id: string }) => `crm.lead:${l.tenant_id}:${l.lead_id}`;

function measure(
  fault: string,
  sent: SentMessage[],
  delivered: Awaited<ReturnType<typeof untilDelivered>>,
  cluster: FaultCluster,
  ended: number,
  notes: string[],
): FaultResult {
  const answered = sent.filter((m) => m.answeredAt !== undefined);
  const turns = answered.map((m) => m.answeredAt! - m.sentAt).sort((a, b) => a - b);
  const at = (q: number) => turns[Math.min(turns.length - 1, Math.floor(q * turns.length))] ?? 0;
  const lastAnswer = Math.max(ended, ...answered.map((m) => m.answeredAt!));
  const lastLead = Math.max(ended, cluster.crm.lastAcceptedAt);
  const lost = sent.filter((m) => m.acknowledged && m.answeredAt === undefined);
  if (lost.length > 0)
    notes.push(
      `lost: ${lost.map((m) => `${m.id} (${m.channel}, sent ${m.sentAt - ended} ms from the fault's end, ${m.attempts} attempts)`).join(', ')}`,
    );
  return {
    fault,
    messages: sent.length,
    acknowledged: sent.filter((m) => m.acknowledged).length,
    answered: answered.length,
    lost: sent.filter((m) => m.acknowledged && m.answeredAt === undefined).length,
    duplicated: sent.filter((m) => m.replies > 1).length,
    turn_p50_ms: at(0.5),
    turn_p99_ms: at(0.99),
    turn_max_ms: turns.at(-1) ?? 0,
    leads_stored: delivered.leads.length,
    leads_delivered: delivered.leads.length - delivered.missing.length,
    leads_missing: delivered.missing.length,
    crm_duplicates: cluster.crm.duplicates().length,
    leads_duplicated: duplicatedLeads(delivered.leads, notes),
    recover_s: Math.round((Math.max(lastAnswer, lastLead) - ended) / 100) / 10,
    notes,
  };
}

function duplicatedLeads(leads: { conversation_id?: string; lead_id: string }[], notes: string[]): number {
  const by = new Map<string, string[]>();
  for (const l of leads)
    by.set(l.conversation_id ?? '', [...(by.get(l.conversation_id ?? '') ?? []), l.lead_id]);
  const twice = [...by].filter(([, ids]) => ids.length > 1);
  for (const [conversation, ids] of twice)
    notes.push(`${conversation} has ${ids.length} leads: ${ids.join(', ')}`);
  return twice.length;
}

/** A run passes with nothing lost and nothing twice. */
export function failures(result: FaultResult, expectedLeads: number): string[] {
  const out: string[] = [];
  if (result.lost > 0) out.push(`${result.lost} acknowledged messages never answered`);
  if (result.duplicated > 0) out.push(`${result.duplicated} messages answered twice`);
  if (result.leads_missing > 0) out.push(`${result.leads_missing} stored leads never reached the CRM`);
  if (result.leads_duplicated > 0) out.push(`${result.leads_duplicated} conversations stored two leads`);
  for (const note of result.notes) if (note.startsWith(FAIL)) out.push(note.slice(FAIL.length));
  if (result.crm_duplicates > 0) out.push(`${result.crm_duplicates} leads delivered to the CRM twice`);
  if (result.leads_stored < expectedLeads)
    out.push(`${expectedLeads - result.leads_stored} of ${expectedLeads} leads were not stored`);
  return out;
}
