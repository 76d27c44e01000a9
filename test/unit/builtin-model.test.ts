import { describe, expect, it } from 'vitest';
import { BuiltinModel, writeReply } from '../../src/models/builtin/index.ts';
import type { ChatRequest } from '../../src/ports/chat-model.ts';
import { REPLY_INTENTS, type Language, type ReplyIntent, type TurnBrief } from '../../src/protocol/index.ts';

const CAPTURE: readonly ReplyIntent[] = ['ask_need', 'ask_fields', 'reask_email'];

function brief(language: Language, intent: ReplyIntent, overrides: Partial<TurnBrief> = {}): TurnBrief {
  const problem =
    language === 'es'
      ? 'necesito info sobre sus planes, tenemos problemas con los tiempos de entrega'
      : "I need info about your plans, we're having problems with delivery times";
  return {
    tenantId: 'demo',
    companyName: 'Logística Demo',
    botName: 'Sofía',
    language,
    phase: 'capture',
    intent,
    turn: 2,
    lead: {
      name: { value: 'Ing. Carlos López', turn: 1 },
      email: { value: 'carlos@logistica.mx', turn: 2 },
      problem: { value: problem, turn: 1 },
    },
    ask: ['email', 'company'],
    newlyCaptured: ['name', 'problem'],
    invalidEmail: 'carlos@',
    urgency: 'Medio',
    reference: 'L-0042',
    userText: problem,
    ...overrides,
  };
}

function request(b: TurnBrief): ChatRequest {
  return {
    brief: b,
    messages: [{ role: 'user', content: b.userText }],
    tools: [],
    temperature: 0.3,
    maxTokens: 300,
  };
}

const paragraphs = (text: string): string[] => text.split(/\n\s*\n/u);

describe('BuiltinModel', () => {
  const model = new BuiltinModel();

  for (const language of ['es', 'en'] as const) {
    for (const intent of REPLY_INTENTS) {
      for (const turn of [1, 2, 3, 4, 5]) {
        it(`${language} ${intent} turn ${turn}: format rules`, async () => {
          const res = await model.complete(
            request(brief(language, intent, { turn })),
            new AbortController().signal,
          );
          expect(res.model).toBe('builtin');
          expect(res.toolCalls).toEqual([]);
          const text = res.text;
          expect(text.trim()).toBe(text);
          expect(text.length).toBeGreaterThan(10);
          expect(paragraphs(text).length).toBeLessThanOrEqual(2);
          expect(text).not.toMatch(/\n{3,}|#|\*\*|__|`|\[.*\]\(/u);
          if (CAPTURE.includes(intent)) {
            expect(text.endsWith('?')).toBe(true);
            expect(text.split('?').length - 1).toBe(1);
          }
          if (intent === 'spam_ack') expect(text).not.toContain('?');
        });
      }
    }
  }

  it('confirms a Spanish lead by title and surname', async () => {
    for (const turn of [1, 2, 3, 4]) {
      const { text } = await model.complete(
        request(brief('es', 'confirm_lead', { turn })),
        new AbortController().signal,
      );
      expect(text.startsWith('¡Perfecto, Ing. López! He registrado su caso')).toBe(true);
      expect(text).toContain('L-0042');
      expect(text).toMatch(/correo/u);
    }
  });

  it('confirms an English lead by first name', async () => {
    const b = brief('en', 'confirm_lead', { lead: { name: { value: 'Carlos López', turn: 1 } } });
    const { text } = await model.complete(request(b), new AbortController().signal);
    expect(text.startsWith("Perfect, Carlos! I've registered your request")).toBe(true);
    expect(text).toMatch(/email/u);
  });

  it('acknowledges the need in the person’s words and asks for the missing fields', () => {
    const text = writeReply(brief('es', 'ask_fields'));
    expect(text).toContain('Ing. López');
    expect(text).toContain('tiempos de entrega');
    expect(text).toMatch(/correo electrónico/u);
    const en = writeReply(brief('en', 'ask_fields', { ask: ['name'], newlyCaptured: ['problem'], lead: {} }));
    expect(en.endsWith('?')).toBe(true);
  });

  it('quotes the bad email when re-asking', () => {
    expect(writeReply(brief('es', 'reask_email'))).toContain('«carlos@»');
    expect(writeReply(brief('en', 'reask_email'))).toContain('“carlos@”');
  });

  it('never lets user text add a second question', () => {
    const b = brief('es', 'ask_fields', {
      lead: {
        problem: { value: '¿cuánto cuesta? ¿y la demo?', turn: 1 },
        company: { value: 'Acme?', turn: 1 },
      },
      newlyCaptured: ['problem', 'company'],
      ask: ['name'],
    });
    const text = writeReply(b);
    expect(text.split('?').length - 1).toBe(1);
    expect(text.endsWith('?')).toBe(true);
  });

  it('is deterministic for the same brief and varies across turns', () => {
    const b = brief('es', 'ask_need');
    expect(writeReply(b)).toBe(writeReply({ ...b }));
    const variants = new Set(
      [1, 2, 3, 4, 5, 6, 7, 8].map((turn) => writeReply(brief('es', 'ask_need', { turn }))),
    );
    expect(variants.size).toBeGreaterThan(1);
  });

  it('answers in the person’s language', () => {
    expect(writeReply(brief('en', 'apology'))).toMatch(/sorry|apologies/iu);
    expect(writeReply(brief('es', 'apology'))).toMatch(/disculpe|lo siento/iu);
    expect(writeReply(brief('es', 'confirm_human_handoff', { urgency: 'Alto' }))).toMatch(/persona/u);
    expect(writeReply(brief('en', 'confirm_human_handoff'))).toMatch(/person|someone/u);
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    const reason = new Error('actor stopped');
    controller.abort(reason);
    await expect(model.complete(request(brief('es', 'ask_need')), controller.signal)).rejects.toBe(reason);
  });
});

describe('urgent acknowledgements', () => {
  it('say the urgency once, not "urgente: es urgente"', () => {
    for (const [language, need] of [
      ['es', 'es urgente, se cayó el sistema de facturación'],
      ['es', 'Urgente: no podemos cobrar'],
      ['en', "it's urgent, our checkout is down"],
    ] as const) {
      const text = writeReply(
        brief(language, 'ask_fields', {
          urgency: 'Alto',
          newlyCaptured: ['problem'],
          lead: { problem: { value: need, turn: 1 } },
          ask: ['name', 'email'],
        }),
      );
      expect(text.match(/urgen/giu)?.length ?? 0, text).toBe(1);
    }
  });
});
