import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import {
  conversationMachine,
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
import type { ExtractedFields, MessageAnalysis } from '../../src/protocol/index.ts';

const input: ConversationInput = {
  conversationId: 'demo:web:s1',
  tenantId: 'demo',
  channel: 'web',
  userId: 's1',
  defaultLanguage: 'es',
  startedAt: 0,
  maxDeliveryAttempts: 3,
};

/** The machine with scripted effects: each message's analysis is looked up by its text. */
function harness(
  script: Record<string, Partial<MessageAnalysis>>,
  options: { deliverFails?: number; captured?: Record<string, ExtractedFields> } = {},
) {
  const requests: ReplyRequest[] = [];
  const deliveries: DeliverInput[] = [];
  let failures = options.deliverFails ?? 0;
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
        return Promise.resolve({
          text: `${r.intent}:${r.ask.join(',')}?`,
          ...(options.captured?.[r.userText] ? { captured: options.captured[r.userText] } : {}),
        });
      }),
      deliverLead: fromPromise<DeliverOutput, DeliverInput>(({ input: d }) => {
        deliveries.push(d);
        if (failures-- > 0) return Promise.reject(new Error('store down'));
        return Promise.resolve({ leadId: 'lead_1', reference: 'RV-000001' });
      }),
    },
    delays: { deliveryBackoff: 1 },
  });
  const actor = createActor(machine, { input });
  const replies: string[] = [];
  actor.on('reply', (e) => replies.push(e.text));
  actor.start();
  const say = async (text: string) => {
    const before = replies.length;
    actor.send({ type: 'user.message.received', messageId: `m-${text}`, text });
    const snap = await waitFor(actor, (s) => s.hasTag('awaiting-input') || s.status !== 'active');
    return { state: phaseOf(snap), replies: replies.slice(before), snap };
  };
  return { actor, say, requests, deliveries };
}

describe('conversation machine', () => {
  it('greeting only stays in triage and asks what the person needs', async () => {
    const h = harness({ hola: { greetingOnly: true } });
    const r = await h.say('hola');
    expect(r.state).toBe('triage');
    expect(r.replies).toEqual(['ask_need:problem?']);
  });

  it('triage → capture → qualify → handoff, asking one or two fields at a time', async () => {
    const h = harness({
      need: { need: 'problemas con entregas', interest: 'Ventas', buyingSignals: 1, scoped: true },
      name: { fields: { name: 'Ing. Carlos López' } },
      email: { fields: { email: 'carlos@rutas.mx' } },
    });
    let r = await h.say('need');
    expect(r.state).toBe('capture');
    expect(h.requests.at(-1)).toMatchObject({ intent: 'ask_fields', ask: ['name', 'email'] });
    r = await h.say('name');
    expect(r.state).toBe('capture');
    expect(h.requests.at(-1)).toMatchObject({
      intent: 'ask_fields',
      ask: ['email', 'company'],
      newlyCaptured: ['name'],
    });
    r = await h.say('email');
    expect(r.state).toBe('handoff');
    expect(h.requests.at(-1)).toMatchObject({ intent: 'confirm_lead', reference: 'RV-000001' });
    expect(h.deliveries).toHaveLength(1);
    expect(h.deliveries[0]).toMatchObject({
      status: 'complete',
      qualification: 'warm_lead',
      interestArea: 'Ventas',
    });
    expect(h.deliveries[0]!.lead.name).toEqual({ value: 'Ing. Carlos López', turn: 2 });
    expect(h.deliveries[0]!.lead.email).toEqual({ value: 'carlos@rutas.mx', turn: 3 });
    expect(h.deliveries[0]!.lead.problem).toEqual({ value: 'problemas con entregas', turn: 1 });
  });

  it('does not finish the capture without an email, and re-asks a bad one', async () => {
    const h = harness({
      all: { need: 'cotización', fields: { name: 'Ana' }, buyingSignals: 1, concreteBuying: 1 },
      bad: { invalidEmail: 'ana@' },
      company: { fields: { company: 'Acme' } },
      good: { fields: { email: 'ana@acme.com' } },
    });
    await h.say('all');
    let r = await h.say('bad');
    expect(r.state).toBe('capture');
    expect(h.requests.at(-1)).toMatchObject({ intent: 'reask_email', invalidEmail: 'ana@' });
    r = await h.say('company');
    expect(r.state).toBe('capture');
    expect(h.requests.at(-1)?.intent).toBe('ask_fields');
    r = await h.say('good');
    expect(r.state).toBe('handoff');
    expect(h.deliveries[0]!.qualification).toBe('hot_lead');
  });

  it('urgent support goes to a human; plain support opens a ticket', async () => {
    const urgent = harness({
      x: {
        need: 'se cayó todo',
        interest: 'Soporte',
        urgency: 0.9,
        fields: { name: 'Luis', email: 'l@x.io' },
      },
    });
    const r1 = await urgent.say('x');
    expect(r1.state).toBe('handoff');
    expect(urgent.requests.at(-1)?.intent).toBe('confirm_human_handoff');
    expect(urgent.deliveries[0]).toMatchObject({ qualification: 'support', urgency: 'Alto' });

    const calm = harness({
      x: {
        need: 'no puedo exportar',
        interest: 'Soporte',
        sentiment: -0.4,
        fields: { name: 'Luis', email: 'l@x.io', company: 'Acme' },
      },
    });
    const r2 = await calm.say('x');
    expect(r2.state).toBe('support');
    expect(calm.requests.at(-1)?.intent).toBe('confirm_ticket');
    // Something is broken: a ticket is at least Medio, never Bajo.
    expect(calm.deliveries[0]).toMatchObject({ qualification: 'support', urgency: 'Medio' });
  });

  it('spam is recorded as spam and answered briefly', async () => {
    const h = harness({
      promo: { spamScore: 0.95 },
      more: { spamScore: 0.9, fields: { email: 'x@spam.biz' } },
    });
    let r = await h.say('promo');
    expect(r.state).toBe('spam');
    expect(r.replies).toEqual(['spam_ack:?']);
    expect(h.deliveries[0]).toMatchObject({ qualification: 'spam', status: 'partial' });
    r = await h.say('more');
    expect(r.state).toBe('spam');
    expect(h.deliveries).toHaveLength(2);
    expect(h.deliveries[1]!.leadId).toBe('lead_1');
  });

  it('retries a failing delivery with back-off, then confirms', async () => {
    const h = harness(
      { x: { need: 'demo', fields: { name: 'Ana', email: 'a@b.co', company: 'Acme' } } },
      { deliverFails: 2 },
    );
    const r = await h.say('x');
    expect(r.state).toBe('handoff');
    expect(h.deliveries).toHaveLength(3);
    expect(h.requests.at(-1)?.intent).toBe('confirm_lead');
  });

  it('after giving up, the next message tries the delivery again', async () => {
    const h = harness(
      { x: { need: 'demo', fields: { name: 'Ana', email: 'a@b.co', company: 'Acme' } }, again: {} },
      { deliverFails: 3 },
    );
    expect((await h.say('x')).state).toBe('failed');
    const r = await h.say('again');
    expect(r.state).toBe('handoff');
    expect(h.deliveries).toHaveLength(4);
    expect(h.requests.at(-1)?.intent).toBe('confirm_lead');
  });

  it('gives up after the configured attempts and apologises', async () => {
    const h = harness(
      { x: { need: 'demo', fields: { name: 'Ana', email: 'a@b.co', company: 'Acme' } } },
      { deliverFails: 99 },
    );
    const r = await h.say('x');
    expect(r.state).toBe('failed');
    expect(h.deliveries).toHaveLength(3);
    expect(h.requests.at(-1)?.intent).toBe('apology');
  });

  it('after the handoff, follow-ups are answered and a farewell closes', async () => {
    const h = harness({
      x: { need: 'demo', fields: { name: 'Ana', email: 'a@b.co', company: 'Acme' } },
      gracias: {},
      adios: { farewell: true },
    });
    await h.say('x');
    let r = await h.say('gracias');
    expect(r.state).toBe('handoff');
    expect(h.requests.at(-1)?.intent).toBe('closed_followup');
    r = await h.say('adios');
    expect(r.state).toBe('closed');
    expect(h.requests.at(-1)?.intent).toBe('farewell');
  });

  it('details given after the handoff update the delivered lead; an explicit introduction corrects the name', async () => {
    const h = harness({
      x: { need: 'demo', fields: { name: 'Pedro', email: 'p@b.co', company: 'Acme' } },
      'mi correo correcto es juan@nuevo.mx': { fields: { email: 'juan@nuevo.mx' } },
      'no, perdón, me llamo Juan Pérez': { fields: { name: 'Juan Pérez' } },
      gracias: {},
    });
    await h.say('x');
    const r = await h.say('mi correo correcto es juan@nuevo.mx');
    expect(r.state).toBe('handoff');
    expect(h.deliveries).toHaveLength(2);
    expect(h.deliveries[1]!.lead.email?.value).toBe('juan@nuevo.mx');
    expect(h.deliveries[1]!.leadId).toBe('lead_1');
    await h.say('no, perdón, me llamo Juan Pérez');
    expect(h.deliveries[2]!.lead.name?.value).toBe('Juan Pérez');
    await h.say('gracias');
    expect(h.deliveries).toHaveLength(3);
  });

  it('registers a complete lead at once and asks the optional company once in the confirmation', async () => {
    const h = harness({
      x: { need: 'demo', fields: { name: 'Ana', email: 'a@b.co' } },
      'Transportes Ruiz': { fields: { company: 'Transportes Ruiz' } },
      gracias: {},
    });
    let r = await h.say('x');
    expect(r.state).toBe('handoff');
    expect(h.deliveries).toHaveLength(1);
    expect(h.requests.at(-1)).toMatchObject({ intent: 'confirm_lead', ask: ['company'] });
    r = await h.say('Transportes Ruiz');
    expect(h.deliveries).toHaveLength(2);
    expect(h.deliveries[1]!.lead.company?.value).toBe('Transportes Ruiz');
    expect(h.requests.at(-1)).toMatchObject({ intent: 'closed_followup', newlyCaptured: ['company'] });
    await h.say('gracias');
    // Asked once: the next confirmation or follow-up does not ask again.
    expect(h.requests.filter((q) => q.ask.includes('company'))).toHaveLength(1);
  });

  it('someone who will not give an email but leaves a phone is reassured once, then registered', async () => {
    const h = harness({
      x: { need: 'precios', fields: { name: 'Rocío' } },
      'prefiero no dar mi correo': { declines: true },
      'llámenme al 5512345678': { declines: true, fields: { phone: '5512345678' } },
    });
    await h.say('x');
    let r = await h.say('prefiero no dar mi correo');
    expect(h.requests.at(-1)).toMatchObject({ intent: 'reassure_field', ask: ['email'] });
    r = await h.say('llámenme al 5512345678');
    expect(r.state).toBe('handoff');
    expect(h.deliveries).toEqual([expect.objectContaining({ status: 'partial' })]);
    expect(h.deliveries[0]!.lead.phone?.value).toBe('5512345678');
  });

  it('answering the email question with a phone: told once why the email helps, then called', async () => {
    const h = harness({
      x: { need: 'precios para 12 camiones', scoped: true, interest: 'Ventas', fields: { name: 'Pete' } },
      '5512345678': { fields: { phone: '5512345678' } },
    });
    await h.say('x');
    expect(h.requests.at(-1)?.ask).toContain('email');
    let r = await h.say('5512345678');
    // One reply, one question: the reassurance, no registration in the same breath.
    expect(r.replies).toEqual(['reassure_field:email?']);
    expect(h.deliveries).toEqual([]);
    r = await h.say('5512345678');
    expect(r.state).toBe('handoff');
    expect(r.replies).toEqual(['confirm_lead:?']);
    expect(h.deliveries).toEqual([expect.objectContaining({ status: 'partial' })]);
    expect(h.deliveries[0]!.lead.phone?.value).toBe('5512345678');
  });

  it('a lead that turns out to be spam after delivery is updated as spam', async () => {
    const h = harness({
      x: {
        need: 'su web no sale en la primera página de Google',
        interest: 'Soporte',
        fields: { name: 'Mark', email: 'mark@seo.biz' },
      },
      oferta: { spamScore: 0.95 },
    });
    await h.say('x');
    expect(h.deliveries.at(-1)?.qualification).not.toBe('spam');
    await h.say('oferta');
    expect(h.deliveries.at(-1)?.qualification).toBe('spam');
  });

  it('a goodbye mid-capture keeps a partial lead and ends kindly; coming back with details resumes', async () => {
    const h = harness({
      x: { need: 'demo', fields: { name: 'Ana' } },
      adios: { farewell: true },
      'ana@b.co': { fields: { email: 'ana@b.co' } },
    });
    await h.say('x');
    let r = await h.say('adios');
    expect(r.state).toBe('closed');
    expect(h.requests.at(-1)?.intent).toBe('farewell');
    expect(h.deliveries).toEqual([expect.objectContaining({ status: 'partial' })]);
    r = await h.say('ana@b.co');
    expect(r.state).toBe('handoff');
    expect(h.deliveries.at(-1)).toMatchObject({ status: 'complete' });
    expect(h.deliveries.at(-1)!.leadId).toBe('lead_1');
  });

  it('session expiry mid-capture stores a partial lead and keeps the conversation open', async () => {
    const h = harness({ need: { need: 'planes', fields: { name: 'Ana' } }, hola: { greetingOnly: true } });
    h.actor.send({ type: 'session.expired' });
    expect(h.deliveries).toHaveLength(0);
    await h.say('need');
    h.actor.send({ type: 'session.expired' });
    const snap = await waitFor(h.actor, (s) => s.hasTag('awaiting-input') && s.context.leadId !== undefined);
    expect(phaseOf(snap)).toBe('capture');
    expect(h.deliveries).toEqual([expect.objectContaining({ status: 'partial' })]);
    expect(h.deliveries[0]!.lead.name?.value).toBe('Ana');
  });

  it('restores from a persisted snapshot and continues', async () => {
    const h = harness({ need: { need: 'planes' }, name: { fields: { name: 'Ana' } } });
    await h.say('need');
    const persisted = h.actor.getPersistedSnapshot();
    h.actor.stop();
    const restored = createActor(
      conversationMachine.provide({
        actors: {
          analyse: fromPromise<AnalyseOutput, AnalyseInput>(() =>
            Promise.resolve({ analysis: analysis({ fields: { name: 'Ana' } }) }),
          ),
          think: fromPromise<ThinkOutput, ReplyRequest>(({ input: r }) =>
            Promise.resolve({ text: r.intent }),
          ),
        },
      }),
      { snapshot: persisted, input },
    );
    restored.start();
    expect(restored.getSnapshot().context.lead.problem?.value).toBe('planes');
    restored.send({ type: 'user.message.received', messageId: 'm2', text: 'name' });
    const snap = await waitFor(restored, (s) => s.hasTag('awaiting-input'));
    expect(snap.context.lead.name?.value).toBe('Ana');
    expect(snap.context.turn).toBe(2);
  });

  it('a thin need is asked about once (buying: size and date) before the contact details', async () => {
    const h = harness({
      precios: { need: 'quiero precios', interest: 'Ventas', buyingSignals: 1 },
      size: { need: 'tenemos 12 furgonetas', interest: 'Ventas', scoped: true },
      vague: { need: 'algo para las rutas', interest: 'Ventas' },
    });
    await h.say('precios');
    expect(h.requests.at(-1)).toMatchObject({ intent: 'ask_fields', ask: ['problem'] });
    await h.say('vague');
    // Asked once: a second vague answer is not asked about again.
    expect(h.requests.at(-1)).toMatchObject({ intent: 'ask_fields', ask: ['name', 'email'] });
    const scoped = harness({ size: { need: 'tenemos 12 furgonetas', interest: 'Ventas', scoped: true } });
    await scoped.say('size');
    expect(scoped.requests.at(-1)).toMatchObject({ ask: ['name', 'email'] });
  });

  it('a problem told in a few words is asked about once; a critical one never waits for it', async () => {
    const few = harness({ p: { need: 'problema con la app', interest: 'Soporte', needWords: 2 } });
    await few.say('p');
    expect(few.requests.at(-1)).toMatchObject({ ask: ['problem'] });
    const told = harness({
      p: { need: 'la app de los choferes no carga las rutas', interest: 'Soporte', needWords: 6 },
    });
    await told.say('p');
    expect(told.requests.at(-1)).toMatchObject({ ask: ['name', 'email'] });
    const down = harness({ p: { need: 'todo caído', interest: 'Soporte', needWords: 1, urgency: 0.9 } });
    await down.say('p');
    expect(down.requests.at(-1)?.ask).not.toContain('problem');
  });

  it('fields the model captured through its tools can complete the lead', async () => {
    const h = harness(
      { 'soy ana, mi correo es ana arroba acme': { need: 'demo', needWords: 6 } },
      { captured: { 'soy ana, mi correo es ana arroba acme': { name: 'Ana', email: 'ana@acme.com' } } },
    );
    const r = await h.say('soy ana, mi correo es ana arroba acme');
    expect(r.state).toBe('handoff');
    expect(r.replies).toEqual(['ask_fields:name,email?', 'confirm_lead:company?']);
    expect(h.deliveries[0]!.lead.email).toEqual({ value: 'ana@acme.com', turn: 1 });
  });

  it('a problem statement the model wrote is kept: the pattern summary of later turns never overwrites it', async () => {
    const written = 'Tienen 20 furgonetas y las entregas llegan tarde; buscan planificar rutas este mes.';
    const h = harness(
      {
        'tenemos 20 furgonetas': { need: 'tenemos 20 furgonetas' },
        'y las entregas llegan tarde': { need: 'y las entregas llegan tarde' },
      },
      { captured: { 'tenemos 20 furgonetas': { problem: written } } },
    );
    await h.say('tenemos 20 furgonetas');
    await h.say('y las entregas llegan tarde');
    const snap = h.actor.getSnapshot();
    expect(snap.context.lead.problem?.value).toBe(written);
  });

  it('a silence mid-capture gets one follow-up asking for what is missing; a reply allows another later', async () => {
    const h = harness({ need: { need: 'cotizar rastreo' }, name: { fields: { name: 'Ana' } } });
    await h.say('need');
    const fire = async (type: 'followup.due' | 'session.expired') => {
      const before = h.requests.length;
      h.actor.send({ type });
      const snap = await waitFor(h.actor, (s) => s.hasTag('awaiting-input'));
      return { snap, requests: h.requests.slice(before) };
    };
    let r = await fire('followup.due');
    expect(phaseOf(r.snap)).toBe('capture');
    expect(r.requests.map((q) => [q.intent, q.ask])).toEqual([['nudge', ['name', 'email']]]);
    // One nudge per silence.
    r = await fire('followup.due');
    expect(r.requests).toEqual([]);
    await h.say('name');
    r = await fire('followup.due');
    expect(r.requests.map((q) => [q.intent, q.ask])).toEqual([['nudge', ['email']]]);
    expect(r.snap.context.turn).toBe(2);
  });

  it('a follow-up outside the capture does nothing', async () => {
    const h = harness({ hola: { greetingOnly: true } });
    await h.say('hola');
    const before = h.requests.length;
    h.actor.send({ type: 'followup.due' });
    h.actor.send({ type: 'handoff.deadline' });
    const snap = await waitFor(h.actor, (s) => s.hasTag('awaiting-input'));
    expect(phaseOf(snap)).toBe('triage');
    expect(h.requests.length).toBe(before);
  });

  it('an overdue human handoff reassures the person; a calm ticket gets no such message', async () => {
    const urgent = harness({
      x: {
        need: 'se cayó todo',
        interest: 'Soporte',
        urgency: 0.9,
        fields: { name: 'Luis', email: 'l@x.io' },
      },
    });
    await urgent.say('x');
    urgent.actor.send({ type: 'handoff.deadline' });
    const snap = await waitFor(urgent.actor, (s) => s.hasTag('awaiting-input'));
    expect(phaseOf(snap)).toBe('handoff');
    expect(urgent.requests.at(-1)).toMatchObject({ intent: 'handoff_pending', reference: 'RV-000001' });

    const calm = harness({
      x: {
        need: 'no puedo exportar',
        interest: 'Soporte',
        fields: { name: 'Luis', email: 'l@x.io', company: 'Acme' },
      },
    });
    await calm.say('x');
    const before = calm.requests.length;
    calm.actor.send({ type: 'handoff.deadline' });
    await waitFor(calm.actor, (s) => s.hasTag('awaiting-input'));
    expect(calm.requests.length).toBe(before);
  });

  it('a declined detail is acknowledged and asked once more, gently; giving it later completes the lead', async () => {
    const h = harness({
      need: { need: 'cotizar rastreo' },
      name: { fields: { name: 'Ana' } },
      no: { declines: true },
      email: { fields: { email: 'ana@x.mx' } },
    });
    await h.say('need');
    await h.say('name');
    const r = await h.say('no');
    expect(r.state).toBe('capture');
    expect(h.requests.at(-1)).toMatchObject({ intent: 'reassure_field', ask: ['email'] });
    expect((await h.say('email')).state).toBe('handoff');
  });

  it('the reassurance is about the detail declined, once; then the capture goes on', async () => {
    const decline = 'prefiero no dar mi correo';
    const h = harness({ need: { need: 'cotizar rastreo', needWords: 6 }, [decline]: { declines: true } });
    await h.say('need');
    expect(h.requests.at(-1)).toMatchObject({ intent: 'ask_fields', ask: ['name', 'email'] });
    await h.say(decline);
    expect(h.requests.at(-1)).toMatchObject({ intent: 'reassure_field', ask: ['email'] });
    await h.say(decline);
    expect(h.requests.at(-1)?.intent).toBe('ask_fields');
  });
});
