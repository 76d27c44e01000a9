import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import {
  conversationMachine,
  type AlertInput,
  type AlertOutput,
  type AnalyseInput,
  type AnalyseOutput,
  type ConversationInput,
  type DeliverInput,
  type DeliverOutput,
  type ReplyRequest,
  type ThinkOutput,
} from '../../machines/conversation-machine.ts';
import { phaseOf } from '../../src/runtime/supervisor.ts';
import { analysis } from '../fakes/analysis.ts';
import type { MessageAnalysis } from '../../src/protocol/index.ts';

const input: ConversationInput = {
  conversationId: 'demo:web:s1',
  tenantId: 'demo',
  channel: 'web',
  userId: 's1',
  defaultLanguage: 'es',
  startedAt: 0,
  maxDeliveryAttempts: 3,
};

const OUTAGE: Partial<MessageAnalysis> = {
  need: 'se cayó todo el sistema',
  interest: 'Soporte',
  urgency: 0.9,
  fields: { name: 'Luis', email: 'l@x.io' },
};

function harness(
  script: Record<string, Partial<MessageAnalysis>>,
  alert: (i: AlertInput) => AlertOutput = () => ({ alerted: true }),
  extra: Partial<ConversationInput> = {},
) {
  const requests: ReplyRequest[] = [];
  const deliveries: DeliverInput[] = [];
  const alerts: AlertInput[] = [];
  const machine = conversationMachine.provide({
    actors: {
      analyse: fromPromise<AnalyseOutput, AnalyseInput>(({ input: i }) => {
        const a = analysis(script[i.text] ?? {});
        const needs = a.need ? [...i.needs, a.need] : i.needs;
        return Promise.resolve(
          needs.length ? { analysis: a, problemSummary: needs.join('. ') } : { analysis: a },
        );
      }),
      think: fromPromise<ThinkOutput, ReplyRequest>(({ input: r }) => {
        requests.push(r);
        return Promise.resolve({ text: `${r.intent}` });
      }),
      deliverLead: fromPromise<DeliverOutput, DeliverInput>(({ input: d }) => {
        deliveries.push(d);
        return Promise.resolve({ leadId: 'lead_1', reference: 'RV-000001' });
      }),
      alertTeam: fromPromise<AlertOutput, AlertInput>(({ input: a }) => {
        alerts.push(a);
        return Promise.resolve(alert(a));
      }),
    },
    delays: { deliveryBackoff: 1 },
  });
  const actor = createActor(machine, { input: { ...input, ...extra } });
  const replies: string[] = [];
  actor.on('reply', (e) => replies.push(e.text));
  actor.start();
  const rest = () => waitFor(actor, (s) => s.hasTag('awaiting-input') || s.status !== 'active');
  const say = async (text: string) => {
    const before = replies.length;
    actor.send({ type: 'user.message.received', messageId: `m-${text}`, text });
    const snap = await rest();
    return { state: phaseOf(snap), replies: replies.slice(before), snap };
  };
  const send = async (event: Parameters<typeof actor.send>[0]) => {
    actor.send(event);
    return rest();
  };
  return { actor, say, send, requests, deliveries, alerts, replies };
}

describe('human handoff in the conversation machine', () => {
  it('a critical case alerts the team once and promises a person only when the alert was accepted', async () => {
    const told = harness({ x: OUTAGE });
    await told.say('x');
    expect(told.alerts).toHaveLength(1);
    expect(told.alerts[0]).toMatchObject({ level: 1, reason: 'critical_support', urgency: 'Alto' });
    expect(told.requests.at(-1)).toMatchObject({
      intent: 'confirm_human_handoff',
      handoff: { alerted: true },
    });

    const untold = harness({ x: OUTAGE }, () => ({ alerted: false, contactVia: 'email' }));
    await untold.say('x');
    expect(untold.requests.at(-1)).toMatchObject({
      intent: 'confirm_human_handoff',
      handoff: { alerted: false, contactVia: 'email' },
    });
  });

  it('takeover silences the bot; prospect messages are kept; give back resumes where it was', async () => {
    const h = harness({ x: OUTAGE, later: {} });
    await h.say('x');
    const thinking = h.requests.length;
    const snap = await h.send({ type: 'human.takeover', operator: 'Marta' });
    expect(phaseOf(snap)).toBe('human');
    expect(snap.context.handoff?.owner).toBe('Marta');
    const r = await h.say('¿Ya está alguien revisando? Seguimos caídos');
    expect(r.state).toBe('human');
    expect(r.replies).toEqual([]);
    expect(h.requests.length).toBe(thinking);
    // The overdue timer has nothing to escalate while a person owns the chat.
    await h.send({ type: 'handoff.deadline' });
    expect(h.alerts).toHaveLength(1);
    const back = await h.send({ type: 'human.release', operator: 'Marta' });
    expect(phaseOf(back)).toBe('handoff');
    expect(back.context.handoff).toBeUndefined();
    const next = await h.say('later');
    expect(next.replies).toHaveLength(1);
  });

  it('an admin reassigns; the operator closes the case', async () => {
    const h = harness({ x: OUTAGE });
    await h.say('x');
    await h.send({ type: 'human.takeover', operator: 'Marta' });
    const snap = await h.send({ type: 'human.takeover', operator: 'Luis' });
    expect(snap.context.handoff?.owner).toBe('Luis');
    const closed = await h.send({ type: 'human.close', operator: 'Luis' });
    expect(phaseOf(closed)).toBe('closed');
  });

  it('operator lead edits are stored with provenance and pushed to the stored lead', async () => {
    const h = harness({ x: OUTAGE });
    await h.say('x');
    await h.send({ type: 'human.takeover', operator: 'Marta' });
    const before = h.deliveries.length;
    await h.send({ type: 'human.lead', fields: { company: 'Rutas MX', urgency_level: 'Medio' } });
    expect(h.deliveries.length).toBe(before + 1);
    const last = h.deliveries.at(-1)!;
    expect(last.lead.company).toMatchObject({ value: 'Rutas MX', by: 'operator' });
    expect(last.urgency).toBe('Medio');
    expect(last.operatorSet).toContain('urgency_level');
  });

  it('an overdue case escalates with a second alert and one honest update', async () => {
    const h = harness({ x: OUTAGE }, (a) => ({
      alerted: true,
      ...(a.level === 2 ? { expectedMinutes: 15 } : {}),
    }));
    await h.say('x');
    await h.send({ type: 'handoff.deadline' });
    expect(h.alerts.map((a) => a.level)).toEqual([1, 2]);
    expect(h.requests.at(-1)).toMatchObject({ intent: 'handoff_pending', handoff: { expectedMinutes: 15 } });
  });

  it('a hot lead of a tenant that wants live follow-up alerts the team too', async () => {
    const h = harness(
      {
        x: {
          need: 'quiero contratar 40 licencias ya',
          interest: 'Ventas',
          buyingSignals: 3,
          concreteBuying: 2,
          fields: { name: 'Ana', email: 'ana@x.mx', company: 'Rutas' },
        },
      },
      () => ({ alerted: true }),
      { liveFollowUp: true },
    );
    await h.say('x');
    expect(h.alerts[0]).toMatchObject({ reason: 'hot_lead', qualification: 'hot_lead' });
  });
});
