import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config/schema.ts';
import type { MemoryConsolidator } from '../memory/consolidator.ts';
import type { KeyPoolApi } from '../runtime/key-pool-actor.ts';
import type { Metrics } from '../runtime/metrics.ts';
import type { ConversationSupervisor } from '../runtime/supervisor.ts';

type Options = ConstructorParameters<typeof ConversationSupervisor>[0];

/** States after which a conversation needs no LLM key any more. */
const ENDED_STATES = new Set(['closed', 'spam', 'failed']);

interface HookDeps {
  metrics: Metrics;
  audit: AuditLog;
  consolidator: MemoryConsolidator;
  pool: KeyPoolApi | undefined;
}

/** One audit line about a person's message: who, which tenant, on which channel, and what happened. */
function auditMessage(
  audit: AuditLog,
  type: Parameters<AuditLog['append']>[0]['type'],
  message: { conversationId: string; tenantId: string; channel: string },
  data: Record<string, string | number>,
) {
  const { conversationId: person, tenantId, channel } = message;
  return audit.append({ type, person, tenantId, data: { channel, ...data } });
}

/** Flood and guard: each counted in metrics and written to the audit log. */
function securityHooks(config: Readonly<Config>, { metrics, audit }: HookDeps) {
  return {
    onFlood: ((message, outcome, muteStarted) => {
      if (!muteStarted) metrics.rejected.inc({ code: outcome });
      if (muteStarted) auditMessage(audit, 'user.muted', message, { muteMs: config.security.muteMs });
    }) satisfies Options['onFlood'],
    onGuard: ((message, { verdict, score, reasons }) => {
      metrics.threats.inc({ verdict });
      const type = verdict === 'block' ? 'message.blocked' : 'message.flagged';
      auditMessage(audit, type, message, { score, reasons: reasons.slice(0, 5).join(' ') });
    }) satisfies Options['onGuard'],
  };
}

/** Restarts, escalations and overdue handoffs: what an operator watches in metrics and the audit log. */
function supervisionHooks(config: Readonly<Config>, { metrics, audit }: HookDeps) {
  return {
    onHandoffOverdue: ((message) => {
      metrics.handoffsOverdue.inc();
      auditMessage(audit, 'handoff.overdue', message, { deadlineMs: config.conversation.handoffDeadlineMs });
    }) satisfies Options['onHandoffOverdue'],
    onRestart: () => metrics.restarts.inc(),
    onActorReady: (({ how, ms }) =>
      metrics.actorReadySeconds.observe({ how }, ms / 1000)) satisfies Options['onActorReady'],
    onEscalate: (({ message, restarts }) => {
      metrics.escalations.inc();
      auditMessage(audit, 'conversation.escalated', message, { messageId: message.id, restarts });
    }) satisfies Options['onEscalate'],
  };
}

/** After each turn: metrics, memory consolidation, the handoff audit line, the key given back at the end. */
function turnHook({ metrics, audit, consolidator, pool }: HookDeps): NonNullable<Options['onTurn']> {
  return ({ conversationId, channel, state, ms, replies, failed, intents, turn, language }) => {
    metrics.turnSeconds.observe({ channel }, ms / 1000);
    if (!failed) void consolidator.maybeConsolidate(conversationId, turn, language);
    if (intents.includes('confirm_human_handoff'))
      audit.append({
        type: 'handoff.requested',
        person: conversationId,
        tenantId: conversationId.split(':')[0]!,
        data: { channel },
      });
    metrics.repliesSent.inc({ channel }, replies);
    if (failed) metrics.turnFailures.inc();
    // A conversation that ended gives its key back at once; others keep it until idle.
    if (pool && ENDED_STATES.has(state)) pool.release(conversationId, 'ended');
  };
}

/** The supervisor's observation hooks: none of them changes what a conversation does. */
export function supervisorHooks(config: Readonly<Config>, deps: HookDeps) {
  return { ...securityHooks(config, deps), ...supervisionHooks(config, deps), onTurn: turnHook(deps) };
}
