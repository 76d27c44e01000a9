import { afterEach, describe, expect, it } from 'vitest';
import { LeadPayloadSchema, type LeadPayload } from '../../src/protocol/index.ts';
import { getLeads, startTestLeadbot } from '../helpers/in-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

const CONTRACT_KEYS = ['lead_id', 'contact_info', 'business_context', 'problem_statement', 'urgency_level'];

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function leadsOf(url: string): Promise<LeadPayload[]> {
  const { status, body } = await getLeads(url);
  expect(status).toBe(200);
  return (body.leads ?? []).map((l) => LeadPayloadSchema.parse(l));
}

function endsWithQuestion(text: string | undefined): boolean {
  return /\?\s*$/.test(text ?? '');
}

function paragraphs(text: string | undefined): number {
  return (text ?? '').split(/\n\s*\n/).filter((p) => p.trim()).length;
}

describe('web chat over a real WebSocket, LMDB in a temp dir', () => {
  it('holds a Spanish conversation until a complete lead is stored', async () => {
    const node = await startTestLeadbot();
    stop = () => node.close();
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'es-1' });

    let r = await ws.say(
      'Hola, necesito info sobre sus planes, tenemos problemas con los tiempos de entrega',
    );
    expect(r.state).toBe('capture');
    expect(r.conversationId).toBe('demo:web:es-1');
    expect(r.text).toMatch(/entrega/i);
    expect(endsWithQuestion(r.text)).toBe(true);
    expect(paragraphs(r.text)).toBeLessThanOrEqual(2);

    r = await ws.say('Soy el Ing. Carlos López');
    expect(r.state).toBe('capture');
    expect(r.text).toMatch(/correo/i);
    expect(endsWithQuestion(r.text)).toBe(true);

    r = await ws.say('carlos@');
    expect(r.state).toBe('capture');
    expect(r.text).toContain('carlos@');
    expect(endsWithQuestion(r.text)).toBe(true);

    r = await ws.say('perdón, es carlos@rutas-lopez.mx');
    expect(r.state).toBe('handoff');
    expect(r.text).toMatch(/^✅ ¡Perfecto, Ing\. López!/);
    expect(r.text).toMatch(/registrado/);

    const leads = await leadsOf(node.url);
    expect(leads).toHaveLength(1);
    const lead = leads[0]!;
    for (const key of CONTRACT_KEYS) expect(lead).toHaveProperty(key);
    expect(lead.contact_info).toMatchObject({ name: 'Ing. Carlos López', email: 'carlos@rutas-lopez.mx' });
    expect(lead.problem_statement).toMatch(/entrega/);
    expect(lead.business_context.interest_area).toBe('Ventas');
    expect(['hot_lead', 'warm_lead']).toContain(lead.qualification);
    expect(lead).toMatchObject({ channel: 'web', tenant_id: 'demo', language: 'es', status: 'complete' });
    expect(lead.field_turns).toMatchObject({ problem: 1, name: 2, email: 4 });
    await ws.close();
  });

  it('holds an English conversation the same way', async () => {
    const node = await startTestLeadbot();
    stop = () => node.close();
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'en-1' });
    let r = await ws.say("Hi, I'd like a quote for your plans, our deliveries keep arriving late");
    expect(r.state).toBe('capture');
    expect(endsWithQuestion(r.text)).toBe(true);
    expect(r.text).not.toMatch(/[¿¡]/);
    r = await ws.say('My name is Jane Doe');
    expect(r.state).toBe('capture');
    expect(r.text).toMatch(/email/i);
    r = await ws.say('jane.doe@acme.com');
    expect(r.state).toBe('handoff');
    expect(r.text).toMatch(/^✅ Perfect, Jane!/);
    const [lead] = await leadsOf(node.url);
    expect(lead).toMatchObject({
      language: 'en',
      contact_info: { name: 'Jane Doe', email: 'jane.doe@acme.com' },
    });
    await ws.close();
  });

  it('urgent production outages come out Alto and go to a human', async () => {
    const node = await startTestLeadbot();
    stop = () => node.close();
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'urgent-1' });
    await ws.say(
      '¡Urgente! Se nos cae la producción, el sistema de rutas no funciona y tenemos camiones parados',
    );
    await ws.say('Me llamo Marta Ruiz');
    const r = await ws.say('marta.ruiz@transportesruiz.com');
    expect(r.state).toBe('handoff');
    const [lead] = await leadsOf(node.url);
    expect(lead!.urgency_level).toBe('Alto');
    expect(lead!.qualification).toBe('support');
    expect(lead!.business_context.interest_area).toBe('Soporte');
    await ws.close();
  });

  it('obvious spam comes out as spam', async () => {
    const node = await startTestLeadbot();
    stop = () => node.close();
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'spam-1' });
    const r = await ws.say(
      'GANA DINERO RAPIDO!!! Invierte en crypto y casino online, click aqui http://bit.ly/xx1 http://bit.ly/xx2',
    );
    expect(r.state).toBe('spam');
    expect(endsWithQuestion(r.text)).toBe(false);
    const [lead] = await leadsOf(node.url);
    expect(lead!.qualification).toBe('spam');
    await ws.close();
  });

  it('sends bot.typing before the reply', async () => {
    const node = await startTestLeadbot();
    stop = () => node.close();
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'typing' });
    ws.socket.send(JSON.stringify({ type: 'user.message', id: 'x1', text: 'Hola' }));
    await ws.next('bot.typing');
    const r = await ws.next('bot.message');
    expect(r.state).toBe('triage');
    await ws.close();
  });

  it('a first "Hello" on a Spanish tenant is answered in English; "Hola" in Spanish', async () => {
    const node = await startTestLeadbot();
    stop = () => node.close();
    const en = await WsClient.connect(node.url, { tenant: 'demo', session: 'hello-en' });
    expect((await en.say('Hello')).text).toMatch(/\b(Hi|Hello|help)\b/);
    const es = await WsClient.connect(node.url, { tenant: 'demo', session: 'hola-es' });
    expect((await es.say('Hola')).text).toMatch(/Hola|ayudar/);
    await en.close();
    await es.close();
  });

  it('reconnecting with the same session resumes the conversation in its state', async () => {
    const node = await startTestLeadbot();
    stop = () => node.close();
    const first = await WsClient.connect(node.url, { tenant: 'demo', session: 'resume-1' });
    await first.say('Necesito una cotización para 20 vehículos');
    await first.close();
    const second = await WsClient.connect(node.url, { tenant: 'demo', session: 'resume-1' });
    const r = await second.say('Soy Ana Torres, ana@torres.mx');
    expect(r.state).toBe('handoff');
    expect(r.text).toContain('Ana');
    await second.close();
  });

  it('without an LLM key, product questions are answered from the catalog with the source cited', async () => {
    const node = await startTestLeadbot();
    stop = () => node.close();
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'kb-1' });
    const r = await ws.say('¿Cuánto cuesta el plan Profesional?');
    expect(r.text).toMatch(/499 USD/);
    expect(r.text).not.toMatch(/Fuente/);
    expect(endsWithQuestion(r.text)).toBe(true);
    await ws.close();
  });
});
