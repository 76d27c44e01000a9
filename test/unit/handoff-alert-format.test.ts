import { describe, expect, it } from 'vitest';
import {
  slackMessage,
  slackThreadLine,
  teamsMessage,
  waitingLabel,
  type HandoffAlert,
} from '../../src/handoff/alert-format.ts';

const ALERT: HandoffAlert = {
  conversationId: 'demo:whatsapp:34600111222',
  tenantId: 'demo',
  companyName: 'Acme Soluciones',
  channel: 'whatsapp',
  name: 'Carlos Pérez',
  company: 'Talleres Pérez',
  email: 'carlos@example.com',
  phone: '+34 600 111 222',
  urgency: 'Alto',
  qualification: 'support',
  interestArea: 'Mantenimiento',
  problem: 'La máquina de envasado se para cada 10 minutos.\nLa línea 2 está detenida desde esta mañana.',
  reference: 'LEAD-2024-0042',
  waitingSeconds: 185,
  consoleUrl: 'https://leadbot.example.com/console/conversations/demo%3Awhatsapp%3A34600111222',
  reason: 'critical_support',
  level: 1,
  language: 'es',
};

const MALICIOUS = '<!channel> <https://evil.example|click> & @here <@U123> [pwn](https://evil.example)';

interface Block {
  type: string;
  block_id?: string;
  text?: { type: string; text: string };
  fields?: { type: string; text: string }[];
  elements?: {
    type: string;
    text?: string | { text: string };
    action_id?: string;
    value?: string;
    style?: string;
  }[];
}

function blocks(alert: HandoffAlert, options?: Parameters<typeof slackMessage>[1]): Block[] {
  return slackMessage(alert, options).blocks as Block[];
}

/** Every mrkdwn/plain text the message shows, including the fallback. */
function allSlackText(alert: HandoffAlert, options?: Parameters<typeof slackMessage>[1]): string[] {
  const message = slackMessage(alert, options);
  const out = [message.text];
  for (const block of message.blocks as Block[]) {
    if (block.text) out.push(block.text.text);
    for (const field of block.fields ?? []) out.push(field.text);
    for (const element of block.elements ?? []) {
      if (typeof element.text === 'string') out.push(element.text);
    }
  }
  return out;
}

function header(alert: HandoffAlert): string {
  return blocks(alert).find((b) => b.type === 'header')!.text!.text;
}

function card(alert: HandoffAlert) {
  return teamsMessage(alert).attachments[0].content;
}

describe('waitingLabel', () => {
  it.each([
    [0, '0 s'],
    [45, '45 s'],
    [59, '59 s'],
    [60, '1 min'],
    [185, '3 min'],
    [3600, '1 h'],
    [7500, '2 h 5 min'],
    [86_400, '1 d'],
    [93_600, '1 d 2 h'],
    [-5, '0 s'],
    [Number.NaN, '0 s'],
  ])('%s s → %s', (seconds, label) => {
    expect(waitingLabel(seconds, 'es')).toBe(label);
    expect(waitingLabel(seconds, 'en')).toBe(label);
  });
});

describe('slackMessage', () => {
  it('shows the lead, urgency, reference, waiting time and console link', () => {
    const text = allSlackText(ALERT).join('\n');
    for (const expected of [
      'Carlos Pérez',
      'Talleres Pérez',
      'carlos@example.com',
      'WhatsApp',
      'Alto',
      'Soporte',
      'LEAD-2024-0042',
      '3 min',
      'La línea 2 está detenida',
      'Acme Soluciones',
      `<${ALERT.consoleUrl}|Abrir en la consola>`,
    ]) {
      expect(text).toContain(expected);
    }
    expect(header(ALERT)).toBe('🚨 Soporte crítico — necesita una persona · Carlos Pérez');
  });

  it('has a plain fallback text for notifications', () => {
    const { text } = slackMessage(ALERT);
    expect(text).toContain('Soporte crítico');
    expect(text).toContain('Carlos Pérez');
    expect(text).toContain('3 min');
  });

  it('keeps Slack limits: ≤ 10 fields, field and section text within bounds', () => {
    const long = { ...ALERT, problem: 'x'.repeat(5000), name: 'n'.repeat(5000), company: '&'.repeat(5000) };
    for (const block of blocks(long)) {
      expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2000);
      if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
    const problem = blocks(long).find((b) => b.type === 'section' && b.text)!.text!.text;
    expect(problem.length).toBeLessThan(700);
    expect(problem.endsWith('…')).toBe(true);
    const company = blocks(long)[1]!.fields!.find((f) => f.text.startsWith('*Empresa*'))!.text;
    expect(company).not.toMatch(/&[a-z]*…$/);
  });

  it('caps the header at 150 characters', () => {
    const text = header({ ...ALERT, name: 'Carlos '.repeat(60) });
    expect(text.length).toBeLessThanOrEqual(150);
    expect(text.endsWith('…')).toBe(true);
  });

  it('shows "—" for missing fields and no link without a console URL', () => {
    const bare: HandoffAlert = {
      conversationId: 'demo:web:1',
      tenantId: 'demo',
      companyName: 'Acme',
      channel: 'web',
      urgency: 'Bajo',
      qualification: 'hot_lead',
      waitingSeconds: 12,
      reason: 'hot_lead',
      level: 1,
      language: 'es',
    };
    const fields = blocks(bare)[1]!.fields!.map((f) => f.text);
    expect(fields).toContain('*Nombre*\n—');
    expect(fields).toContain('*Empresa*\n—');
    expect(fields).toContain('*Referencia*\n—');
    expect(fields).toContain('*Esperando*\n12 s');
    expect(allSlackText(bare).join('\n')).not.toContain('Abrir en la consola');
    expect(header(bare)).toBe('🔥 Lead caliente — necesita una persona');
  });

  it('drops a console URL that is not http(s)', () => {
    const text = allSlackText({ ...ALERT, consoleUrl: 'javascript:alert(1)' }).join('\n');
    expect(text).not.toContain('javascript');
  });

  it('adds the take-over and give-back buttons only when asked', () => {
    expect(blocks(ALERT).some((b) => b.type === 'actions')).toBe(false);
    const actions = blocks(ALERT, { buttons: true }).find((b) => b.type === 'actions')!;
    expect(actions.block_id).toBe('leadbot_handoff');
    expect(actions.elements).toEqual([
      expect.objectContaining({
        type: 'button',
        action_id: 'leadbot_takeover',
        style: 'primary',
        value: ALERT.conversationId,
        text: expect.objectContaining({ type: 'plain_text', text: 'Tomar el caso' }) as unknown,
      }),
      expect.objectContaining({
        type: 'button',
        action_id: 'leadbot_release',
        value: ALERT.conversationId,
        text: expect.objectContaining({ text: 'Devolver al bot' }) as unknown,
      }),
    ]);
    expect(actions.elements?.[1]?.style).toBeUndefined();
  });

  it('says who handles the case when there is an owner', () => {
    expect(allSlackText(ALERT, { owner: 'Marta Gómez' }).join('\n')).toContain('Atendido por Marta Gómez');
    const en = allSlackText({ ...ALERT, language: 'en' }, { owner: 'Marta <!here>' }).join('\n');
    expect(en).toContain('Handled by Marta &lt;!here&gt;');
    expect(allSlackText(ALERT, { owner: null }).join('\n')).not.toContain('Atendido por');
  });

  it('escapes user text so it cannot mention @channel/@here or create links', () => {
    const evil = { ...ALERT, name: MALICIOUS, company: MALICIOUS, problem: MALICIOUS, reference: MALICIOUS };
    const texts = allSlackText(evil, { owner: MALICIOUS });
    const joined = texts.join('\n');
    expect(joined).not.toContain('<!channel>');
    expect(joined).not.toContain('<https://evil');
    expect(joined).not.toContain('<@U123>');
    expect(joined).not.toMatch(/@here\b/);
    expect(joined).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp;');
    // The only link left is our own console link.
    const links = joined.match(/<[^>]*>/g) ?? [];
    expect(links).toEqual([`<${ALERT.consoleUrl}|Abrir en la consola>`]);
    expect(texts[0]).not.toContain('<');
  });

  it('marks user text verbatim so Slack does not auto-link it', () => {
    const fields = blocks(ALERT)[1]!.fields!;
    expect(fields.every((f) => (f as { verbatim?: boolean }).verbatim === true)).toBe(true);
  });

  it('speaks English when the tenant does', () => {
    const en = { ...ALERT, language: 'en' as const };
    expect(header(en)).toBe('🚨 Critical support — needs a person · Carlos Pérez');
    const text = allSlackText(en, { buttons: true }).join('\n');
    for (const expected of [
      '*Name*',
      '*Company*',
      '*Urgency*',
      'High',
      '*Reference*',
      '*Waiting*',
      'Support',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).toContain('|Open in console>');
    const actions = blocks(en, { buttons: true }).find((b) => b.type === 'actions')!;
    expect(actions.elements?.map((e) => (e.text as { text: string }).text)).toEqual([
      'Take over',
      'Give back',
    ]);
  });

  it('says a level-2 alert was escalated because nobody took the case', () => {
    const { name: _name, ...anonymous } = ALERT;
    expect(header({ ...anonymous, level: 2 })).toBe('🚨 Escalado: nadie ha tomado el caso — Soporte crítico');
    expect(header({ ...ALERT, level: 2, language: 'en' })).toContain('Escalated: nobody has taken the case');
    expect(slackMessage({ ...ALERT, level: 2 }).text).toContain('Escalado: nadie ha tomado el caso');
  });

  it('names every reason in both languages', () => {
    const reasons = ['critical_support', 'asked_for_human', 'hot_lead', 'escalation', 'overdue'] as const;
    const es = reasons.map((reason) => header({ ...ALERT, reason }));
    const en = reasons.map((reason) => header({ ...ALERT, reason, language: 'en' }));
    expect(new Set(es).size).toBe(5);
    expect(new Set(en).size).toBe(5);
    expect(en[1]).toContain('Asked for a human');
  });
});

describe('slackThreadLine', () => {
  it('formats one escaped line per message', () => {
    expect(slackThreadLine('prospect', 'Hola, ¿me ayudan?', 'Carlos')).toBe('👤 *Carlos*: Hola, ¿me ayudan?');
    expect(slackThreadLine('bot', 'Un momento.')).toBe('🤖 Un momento.');
    expect(slackThreadLine('operator', 'Ya lo miro', 'Marta')).toContain('*Marta*: Ya lo miro');
  });

  it('escapes the text and the name and keeps it on one line', () => {
    const line = slackThreadLine('prospect', `${MALICIOUS}\nsegunda línea`, '<!here> *Carlos*');
    expect(line).not.toContain('\n');
    expect(line).not.toContain('<!');
    expect(line).not.toMatch(/@here\b/);
    expect(line).toContain('&lt;!channel&gt;');
    expect(line).toContain('segunda línea');
  });

  it('clips very long messages', () => {
    expect(slackThreadLine('prospect', '&'.repeat(10_000)).length).toBeLessThanOrEqual(3000);
  });
});

describe('teamsMessage', () => {
  it('uses the Workflows envelope with an Adaptive Card 1.4', () => {
    const message = teamsMessage(ALERT);
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    const [attachment] = message.attachments;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.contentUrl).toBeNull();
    expect(attachment.content).toMatchObject({
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
    });
    expect(JSON.stringify(message)).not.toContain('MessageCard');
  });

  it('has a bold title (attention colour when urgency is high), the facts and the problem', () => {
    const body = card(ALERT).body as Record<string, unknown>[];
    expect(body[0]).toMatchObject({ type: 'TextBlock', weight: 'Bolder', size: 'Medium', wrap: true });
    expect(body[0]!.color).toBe('Attention');
    expect((card({ ...ALERT, urgency: 'Medio' }).body[0] as Record<string, unknown>).color).toBeUndefined();
    const facts = (body.find((b) => b.type === 'FactSet') as { facts: { title: string; value: string }[] })
      .facts;
    expect(facts).toContainEqual({ title: 'Nombre', value: 'Carlos Pérez' });
    expect(facts).toContainEqual({ title: 'Referencia', value: 'LEAD-2024-0042' });
    expect(facts).toContainEqual({ title: 'Esperando', value: '3 min' });
    expect(facts).toContainEqual({ title: 'Urgencia', value: '🔴 Alto' });
    const problem = body.find((b) => b.type === 'TextBlock' && String(b.text).includes('envasado'));
    expect(problem).toMatchObject({ wrap: true });
  });

  it('links the console only when there is a console URL', () => {
    expect(card(ALERT).actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Abrir en la consola', url: ALERT.consoleUrl },
    ]);
    expect(card({ ...ALERT, language: 'en' }).actions?.[0]).toMatchObject({ title: 'Open in console' });
    const { consoleUrl: _omit, ...noUrl } = ALERT;
    expect(card(noUrl).actions).toBeUndefined();
  });

  it('neutralises markdown links and emphasis in user text', () => {
    const evil = {
      ...ALERT,
      name: '[click](https://evil.example)',
      problem: '**urgent** [here](https://x.example)',
    };
    const text = JSON.stringify(card(evil).body);
    expect(text).not.toContain('](https://');
    expect(text).not.toContain('**urgent**');
    const facts = (card(evil).body[1] as { facts: { title: string; value: string }[] }).facts;
    expect(facts[0]!.value).toBe('\\[click\\]\\(https://evil.example\\)');
  });

  it('speaks English and says when a case was escalated', () => {
    const en = card({ ...ALERT, language: 'en', level: 2 });
    expect((en.body[0] as { text: string }).text).toContain('Escalated: nobody has taken the case');
    const facts = (en.body[1] as { facts: { title: string }[] }).facts.map((f) => f.title);
    expect(facts).toEqual(expect.arrayContaining(['Name', 'Company', 'Urgency', 'Reference', 'Waiting']));
  });
});
