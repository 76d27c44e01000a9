import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ConversationContext } from '../../machines/conversation-machine.ts';
import { ClientError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Bus } from '../ports/bus.ts';
import type { Clock } from '../ports/clock.ts';
import type { HistoryEntry, Store } from '../ports/store.ts';
import type { HumanKind, InboundMessage, OperatorLeadFields, OutboundEvent } from '../protocol/index.ts';
import { OperatorLeadFieldsSchema } from '../protocol/index.ts';
import { phaseOf } from '../runtime/supervisor.ts';
import { mayAccess, type Operator, type OperatorAuth } from './operators.ts';
import type { ConsoleMessage, HandoffRegistry } from './registry.ts';

export interface OperatorApiDeps {
  auth: OperatorAuth;
  bus: Bus;
  /** Conversations and history (the replicated store in cluster mode). */
  store: Store;
  /** Leads (shared in cluster mode). */
  leads: Store;
  registry: HandoffRegistry;
  clock: Clock;
  /** How long a command may wait for the conversation's answer. */
  commandTimeoutMs?: number;
}

export type CommandResult = Extract<OutboundEvent, { type: 'operator.result' }>;
type Result = CommandResult;

const Body = z.object({
  operator: z.string().trim().min(1).max(80).optional(),
  force: z.boolean().optional(),
});
const MessageBody = Body.extend({ text: z.string() });
const LeadBody = Body.extend({ fields: z.unknown() });
const Params = z.object({ id: z.string().min(1).max(300) });

/**
 * The operator API (`/api/handoffs`, `/api/conversations/…`): reads come from the store and the
 * queue; commands travel over the bus as messages of the conversation (so they keep its order and
 * run wherever the conversation lives) and answer once the conversation applied them.
 */
export function registerOperatorApi(app: FastifyInstance, deps: OperatorApiDeps): void {
  const read = (request: FastifyRequest) => deps.auth.authenticate(request, { mutating: false });
  app.get('/api/handoffs', (request) => {
    const operator = read(request);
    return { handoffs: deps.registry.list(operator.tenant ?? undefined).map(queueView) };
  });
  app.get('/api/conversations', (request) => {
    const operator = read(request);
    const limit = Math.min(200, Math.max(1, Number((request.query as { limit?: string }).limit) || 50));
    return { conversations: deps.registry.recentList(operator.tenant ?? undefined, limit) };
  });
  app.get('/api/conversations/:id', async (request) => {
    const operator = read(request);
    const { id } = parse(Params, request.params);
    return conversationView(deps, operator, id);
  });
  const command = (path: string, kind: HumanKind, ok: number) =>
    app.post(`/api/conversations/:id/${path}`, async (request, reply) => {
      const { status, body } = await runCommand(deps, request, kind, ok);
      return reply.code(status).send(body);
    });
  command('takeover', 'human.takeover', 200);
  command('messages', 'human.message', 202);
  command('release', 'human.release', 200);
  command('close', 'human.close', 200);
  app.patch('/api/conversations/:id/lead', async (request, reply) => {
    const { status, body } = await runCommand(deps, request, 'human.lead', 200);
    return reply.code(status).send(body);
  });
}

function queueView(item: ReturnType<HandoffRegistry['list']>[number]) {
  return {
    conversationId: item.conversationId,
    tenant: item.tenant,
    channel: item.channel,
    reference: item.reference,
    urgency_level: item.urgency_level,
    waitingSeconds: item.waitingSeconds,
    owner: item.owner,
    name: item.name,
    company: item.company,
    qualification: item.qualification,
    reason: item.reason,
    level: item.level,
    alerted: item.alerted,
    state: item.state,
    since: new Date(item.since).toISOString(),
  };
}

export async function loadConversation(deps: OperatorApiDeps, operator: Operator, id: string) {
  const record = await deps.store.getConversation(id);
  if (!record || !mayAccess(operator, record.tenantId))
    throw new ClientError('not_found', `No conversation ${JSON.stringify(id)}.`, { status: 404 });
  const snapshot = record.snapshot as { value?: unknown; context?: ConversationContext } | undefined;
  const state = snapshot ? phaseOf({ value: snapshot.value }) : 'unknown';
  const owner = state === 'human' ? (snapshot?.context?.handoff?.owner ?? null) : null;
  return { record, context: snapshot?.context, state, owner };
}

async function conversationView(deps: OperatorApiDeps, operator: Operator, id: string) {
  const { record, context, state, owner } = await loadConversation(deps, operator, id);
  const history = await deps.store.getHistory(id, 500);
  const lead = context?.leadId ? await deps.leads.getLead(record.tenantId, context.leadId) : undefined;
  const messages: ConsoleMessage[] = history.map(toConsole);
  const lastProspect = history.findLast((h) => h.role === 'user')?.at;
  const windowClosed =
    (record.channel === 'whatsapp' || record.channel === 'twilio') &&
    lastProspect !== undefined &&
    deps.clock.now() - lastProspect > 86_400_000;
  return {
    conversationId: id,
    tenant: record.tenantId,
    channel: record.channel,
    state,
    owner,
    lead: lead
      ? { ...lead, ...(context?.reference ? { reference: context.reference } : {}) }
      : context
        ? draftLead(context)
        : null,
    messages,
    ...(windowClosed
      ? {
          warning: {
            code: 'whatsapp_window_closed',
            message:
              "The prospect's 24-hour WhatsApp window has closed: WhatsApp delivers only the approved template (channels.whatsapp.windowTemplate) until they write again.",
          },
        }
      : {}),
  };
}

/** What the conversation knows before any lead is stored (`status: "draft"`), so edits show at once. */
function draftLead(context: ConversationContext) {
  const lead = context.lead;
  const sources = Object.fromEntries(
    (['name', 'email', 'phone', 'company', 'problem'] as const).flatMap((f) =>
      lead[f]?.by ? [[f, 'operator']] : [],
    ),
  );
  return {
    lead_id: null,
    contact_info: {
      name: lead.name?.value ?? '',
      phone_or_username: lead.phone?.value ?? lead.username ?? null,
      email: lead.email?.value ?? '',
    },
    business_context: {
      company_name: lead.company?.value ?? null,
      interest_area: context.overrides?.interestArea ?? null,
    },
    problem_statement: lead.problem?.value ?? '',
    urgency_level: context.overrides?.urgency ?? null,
    qualification: context.qualification ?? null,
    status: 'draft',
    field_sources: sources,
  };
}

function toConsole(line: HistoryEntry): ConsoleMessage {
  const from = line.role === 'user' ? 'prospect' : line.by ? 'operator' : 'bot';
  return {
    from,
    text: line.text,
    at: new Date(line.at).toISOString(),
    ...(line.by ? { name: line.by } : {}),
  };
}

async function runCommand(
  deps: OperatorApiDeps,
  request: FastifyRequest,
  kind: HumanKind,
  okStatus: number,
): Promise<{ status: number; body: unknown }> {
  const operator = deps.auth.authenticate(request, { mutating: true });
  const { id } = parse(Params, request.params);
  const body = parse(
    kind === 'human.message' ? MessageBody : kind === 'human.lead' ? LeadBody : Body,
    request.body ?? {},
  );
  const name = actingName(operator, body.operator);
  const { record } = await loadConversation(deps, operator, id);
  const text = kind === 'human.message' ? messageText((body as { text: string }).text) : '';
  const fields = kind === 'human.lead' ? leadFields((body as { fields: unknown }).fields) : undefined;
  const result = await dispatchCommand(
    deps,
    record,
    kind,
    text,
    {
      name,
      ...(body.force && operator.admin ? { force: true } : {}),
      ...(fields ? { fields } : {}),
    },
    idempotencyKey(request),
  );
  if (!result.ok) return refusal(result);
  if (kind === 'human.message')
    return { status: 202, body: { queued: true, ...(result.warning ? { warning: result.warning } : {}) } };
  if (kind === 'human.lead') {
    const view = await conversationView(deps, operator, id);
    return { status: 200, body: { lead: view.lead, state: result.state, owner: result.owner } };
  }
  return { status: okStatus, body: { owner: result.owner, state: result.state } };
}

/** An operator's command for a stored conversation, over the bus; resolves with its outcome. */
export function dispatchCommand(
  deps: Pick<OperatorApiDeps, 'bus' | 'clock' | 'commandTimeoutMs'>,
  record: { conversationId: string; tenantId: string; channel: string; userId: string },
  kind: HumanKind,
  text: string,
  operator: NonNullable<InboundMessage['operator']>,
  /** The client's `Idempotency-Key`: a retried command is applied (and a message sent) once. */
  key?: string,
): Promise<Result> {
  return send(deps, {
    type: 'user.message',
    id: key ? `op_${key}` : newId('op_'),
    tenantId: record.tenantId,
    channel: record.channel as InboundMessage['channel'],
    conversationId: record.conversationId,
    userId: record.userId,
    text,
    receivedAt: deps.clock.now(),
    priority: 9,
    system: kind,
    operator,
  });
}

/** Publishes the command and waits for the conversation's `operator.result`. */
async function send(
  deps: Pick<OperatorApiDeps, 'bus' | 'commandTimeoutMs'>,
  message: InboundMessage,
): Promise<Result> {
  const timeoutMs = deps.commandTimeoutMs ?? 15_000;
  let unsubscribe = () => {};
  let timer: NodeJS.Timeout | undefined;
  const answer = new Promise<Result>((resolve, reject) => {
    unsubscribe = deps.bus.subscribeOutbound((event) => {
      if (event.type === 'operator.result' && event.inReplyTo === message.id) resolve(event);
    });
    timer = setTimeout(
      () =>
        reject(
          new ClientError(
            'timeout',
            `The conversation did not answer within ${timeoutMs} ms; check it and retry.`,
            { status: 504 },
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await deps.bus.publish(message);
    return await answer;
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}

function refusal(result: Result): { status: number; body: unknown } {
  const code = result.code ?? 'internal_error';
  const status = code === 'not_found' ? 404 : code === 'failed' ? 500 : code === 'bad_command' ? 400 : 409;
  return {
    status,
    body: {
      error: { code: code === 'failed' ? 'internal_error' : code, message: result.message ?? code },
      owner: result.owner,
      state: result.state,
    },
  };
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !/^[A-Za-z0-9_.:-]{8,100}$/.test(key))
    throw new ClientError(
      'invalid_message',
      'Idempotency-Key must be 8-100 characters of A-Z a-z 0-9 _ . : -.',
    );
  return key;
}

/** Who acts: an operator token acts as its own name; the admin says who they are. */
function actingName(operator: Operator, given: string | undefined): string {
  if (operator.admin) return given ?? operator.name;
  if (given && given !== operator.name)
    throw new ClientError('forbidden', `This token belongs to ${operator.name}; it cannot act as ${given}.`, {
      status: 403,
    });
  return operator.name;
}

function messageText(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) throw new ClientError('empty_message', 'The message text is empty.');
  if (trimmed.length > 4000)
    throw new ClientError('message_too_long', 'Operator messages are limited to 4000 characters.', {
      status: 413,
    });
  return trimmed;
}

function leadFields(fields: unknown): OperatorLeadFields {
  const parsed = OperatorLeadFieldsSchema.safeParse(fields);
  if (!parsed.success || Object.keys(parsed.data).length === 0) {
    const issue = parsed.success ? undefined : parsed.error.issues[0];
    throw new ClientError(
      'invalid_fields',
      issue
        ? `fields.${issue.path.join('.') || '?'}: ${issue.message}`
        : 'Send at least one of name, email, phone, company, problem_statement, interest_area, urgency_level.',
    );
  }
  return parsed.data;
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ClientError(
      'invalid_message',
      `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
