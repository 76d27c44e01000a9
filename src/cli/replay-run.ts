/**
 * Replay: a stored or exported conversation's prospect messages run again through the current
 * machine and built-in model on a scratch store, so what changed can be compared (and kept as a
 * regression test). Sources: a conversation id in a data folder, `leadbot contacts export` JSON, the
 * console's `GET /api/conversations/:id` JSON, or a replay file `{"tenant", "messages": [...]}`.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbStore } from '../adapters/lmdb-store.ts';
import { CliChannel } from '../channels/cli.ts';
import { conversationIdFor } from '../channels/intake.ts';
import { loadConfig } from '../config/load.ts';
import { createLogger } from '../logger.ts';
import { startLeadbot } from '../main.ts';
import type { HistoryEntry, TransitionRecord } from '../ports/store.ts';
import type { LeadPayload } from '../protocol/index.ts';
import { valueString } from '../runtime/supervisor/transitions.ts';

/** A conversation as it happened (or as far as its source tells). */
export interface RecordedConversation {
  conversationId: string;
  tenantId: string;
  turns: { said: string; replies: string[] }[];
  finalState?: string;
  transitions?: TransitionRecord[];
  lead?: LeadPayload;
}

/** What the replay produced. */
export interface ReplayOutcome {
  turns: { said: string; replies: string[] }[];
  finalState: string;
  transitions: TransitionRecord[];
  lead?: LeadPayload;
}

export class ReplaySourceError extends Error {}

/** The lead fields a replay compares and a fixture expects. */
export function leadSummary(lead: LeadPayload) {
  return {
    name: lead.contact_info.name,
    email: lead.contact_info.email,
    company: lead.business_context.company_name,
    interest_area: lead.business_context.interest_area,
    urgency_level: lead.urgency_level,
    qualification: lead.qualification,
  };
}

/** History lines → turns: each prospect line with the replies that followed it. */
export function turnsOf(history: readonly Pick<HistoryEntry, 'role' | 'text' | 'by'>[]) {
  const turns: { said: string; replies: string[] }[] = [];
  for (const line of history) {
    if (line.role === 'user') turns.push({ said: line.text, replies: [] });
    else if (!line.by) turns.at(-1)?.replies.push(line.text);
  }
  return turns;
}

interface RecordLike {
  conversationId: string;
  tenantId: string;
  snapshot?: unknown;
  transitions?: TransitionRecord[];
}

function fromRecord(
  record: RecordLike,
  history: HistoryEntry[],
  leads: readonly LeadPayload[],
): RecordedConversation {
  const snapshot = record.snapshot as { value?: unknown; context?: { leadId?: string } } | undefined;
  const lead = leads.find((l) => l.lead_id === snapshot?.context?.leadId);
  return {
    conversationId: record.conversationId,
    tenantId: record.tenantId,
    turns: turnsOf(history),
    ...(snapshot?.value === undefined ? {} : { finalState: valueString(snapshot.value) }),
    ...(record.transitions ? { transitions: record.transitions } : {}),
    ...(lead ? { lead } : {}),
  };
}

function textOf(m: unknown): string {
  const text = (m as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : '';
}

/** A recorded conversation from an exported or hand-written JSON document. */
export function fromJson(doc: unknown, name: string): RecordedConversation {
  const d = doc as Record<string, unknown>;
  if (Array.isArray(d.conversations)) {
    // `leadbot contacts export` / GET /api/contacts/:id: the first conversation with messages.
    const items = d.conversations as { record: RecordLike; history: HistoryEntry[] }[];
    const item = items.find((c) => c.history?.some((h) => h.role === 'user'));
    if (!item) throw new ReplaySourceError(`${name}: the export holds no conversation with messages`);
    return fromRecord(item.record, item.history, (d.leads as LeadPayload[] | undefined) ?? []);
  }
  if (Array.isArray(d.messages) && typeof d.conversationId === 'string') {
    // The console's GET /api/conversations/:id.
    const lines = (d.messages as { from: string; text: string }[]).map((m) => ({
      role: m.from === 'prospect' ? ('user' as const) : ('assistant' as const),
      text: m.text,
      ...(m.from === 'operator' ? { by: 'operator' } : {}),
    }));
    const lead = d.lead as LeadPayload | null;
    return {
      conversationId: d.conversationId,
      tenantId: typeof d.tenant === 'string' ? d.tenant : 'demo',
      turns: turnsOf(lines),
      ...(lead && lead.lead_id ? { lead } : {}),
    };
  }
  if (Array.isArray(d.messages)) {
    // A replay file: { "tenant": "demo", "messages": ["Hola…", …] }.
    const turns = (d.messages as unknown[]).map((m) => ({
      said: typeof m === 'string' ? m : textOf(m),
      replies: [],
    }));
    return { conversationId: name, tenantId: typeof d.tenant === 'string' ? d.tenant : 'demo', turns };
  }
  throw new ReplaySourceError(
    `${name}: not a conversation export, a console conversation or a replay file {"messages": […]}`,
  );
}

/** A conversation from a data folder (read-only; safe while the server runs). */
export async function fromDataDir(dataDir: string, conversationId: string): Promise<RecordedConversation> {
  if (!existsSync(join(dataDir, 'data.mdb')))
    throw new ReplaySourceError(`no leadbot data in ${dataDir} (set --data-dir or LEADBOT_DATA_DIR)`);
  const store = LmdbStore.open(dataDir);
  try {
    const record = await store.getConversation(conversationId);
    if (!record) throw new ReplaySourceError(`no conversation ${conversationId} in ${dataDir}`);
    const history = await store.getHistory(conversationId, 10_000);
    const leadId = (record.snapshot as { context?: { leadId?: string } } | undefined)?.context?.leadId;
    const lead = leadId ? await store.getLead(record.tenantId, leadId) : undefined;
    return fromRecord(record, history, lead ? [lead] : []);
  } finally {
    await store.close();
  }
}

/** A file path, or a conversation id in `dataDir`. */
export async function loadRecorded(source: string, dataDir: string): Promise<RecordedConversation> {
  if (existsSync(source) && source.endsWith('.json')) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(source, 'utf8'));
    } catch (error) {
      throw new ReplaySourceError(`${source} is not valid JSON (${(error as Error).message})`);
    }
    return fromJson(doc, source);
  }
  return fromDataDir(dataDir, source);
}

/**
 * The environment a replay runs in: no LEADBOT_* setting of the real node (no NATS, CRM, Slack or
 * Teams, LLM keys or settings file) but its tenants, copied without their alert targets, so a replay
 * can never reach a CRM, a team or the cluster.
 */
function isolatedEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('LEADBOT_')) env[k] = v;
  const source = loadConfig().tenantsDir;
  const tenants = join(dir, 'tenants');
  if (existsSync(source)) {
    cpSync(source, tenants, { recursive: true });
    for (const id of readdirSync(tenants)) {
      const file = join(tenants, id, 'tenant.json');
      if (!existsSync(file)) continue;
      const { handoff: _targets, ...tenant } = JSON.parse(readFileSync(file, 'utf8')) as Record<
        string,
        unknown
      >;
      writeFileSync(file, JSON.stringify(tenant));
    }
    env.LEADBOT_TENANTS_DIR = tenants;
  }
  return { ...env, LEADBOT_DATA_DIR: join(dir, 'data'), LEADBOT_ADMIN_TOKEN: 'replay' };
}

/** Runs the prospect's messages through a fresh embedded node (scratch store, built-in model). */
export async function replayConversation(recorded: Pick<RecordedConversation, 'tenantId' | 'turns'>) {
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-replay-'));
  const config = loadConfig({ env: isolatedEnv(dir) });
  const logger = createLogger({
    level: 'error',
    content: false,
    pretty: false,
    nodeId: 'replay',
    destination: process.stderr,
  });
  const node = await startLeadbot(config, { http: false, logger });
  try {
    if (!node.intake.tenants.has(recorded.tenantId))
      throw new ReplaySourceError(
        `tenant '${recorded.tenantId}' is not configured here (LEADBOT_CONFIG); configured: ${[...node.intake.tenants.keys()].join(', ')}`,
      );
    const session = 'replay';
    const channel = new CliChannel(node.intake, {
      tenantId: recorded.tenantId,
      session,
      replyTimeoutMs: config.server.restReplyTimeoutMs,
    });
    const turns: ReplayOutcome['turns'] = [];
    for (const turn of recorded.turns) turns.push({ said: turn.said, replies: await channel.say(turn.said) });
    const record = await node.store.getConversation(conversationIdFor(recorded.tenantId, 'cli', session));
    const leadId = (record?.snapshot as { context?: { leadId?: string } } | undefined)?.context?.leadId;
    const lead = leadId ? await node.store.getLead(recorded.tenantId, leadId) : undefined;
    const outcome: ReplayOutcome = {
      turns,
      finalState: valueString((record?.snapshot as { value?: unknown } | undefined)?.value),
      transitions: record?.transitions ?? [],
      ...(lead ? { lead } : {}),
    };
    return outcome;
  } finally {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
