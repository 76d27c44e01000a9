import { describe, expect, it } from 'vitest';
import { formatViolations, scoreConversation } from '../../eval/conversations/score.ts';
import { detectAsks } from '../../eval/conversations/simulator.ts';
import type { ConversationResult, LeadView, Persona } from '../../eval/conversations/types.ts';

const persona: Persona = {
  id: 'x-es-001',
  lang: 'es',
  kind: 'billing',
  style: 'plain',
  opening: 'nos cobraron dos veces',
  answers: { name: 'Ana Gil', email: 'ana@gil.mx' },
  expect: {
    lead: true,
    name: 'Ana Gil',
    email: 'ana@gil.mx',
    company: null,
    interest_area: 'Facturación',
    urgency_level: 'Medio',
    qualification: 'support',
    problem_covers: [['cobr', 'charge']],
  },
};
const lead: LeadView = {
  name: 'Ana Gil',
  email: 'ana@gil.mx',
  company: null,
  phone: null,
  interest_area: 'Facturación',
  urgency_level: 'Medio',
  qualification: 'support',
  problem_statement: 'Les cobraron dos veces.',
  status: 'complete',
};
const result = (l: LeadView | undefined, p = persona): ConversationResult => ({
  persona: p,
  split: 'dev',
  transcript: [{ said: p.opening, replies: ['¿Me da su nombre y su correo?'] }],
  lead: l,
  turnsToComplete: l ? 2 : undefined,
  errors: [],
});

describe('the evaluation scorer', () => {
  it('scores a right lead as fully correct and each wrong field as wrong', () => {
    expect(scoreConversation(result(lead)).fully).toBe(true);
    const wrong = scoreConversation(result({ ...lead, urgency_level: 'Bajo', company: 'Gil SA' }));
    expect(wrong.fully).toBe(false);
    expect(wrong.fields).toMatchObject({ urgency_level: false, company: false, name: true });
    expect(scoreConversation(result(undefined)).leadOk).toBe(false);
    const verbatim = scoreConversation(result({ ...lead, problem_statement: 'Hola.' }));
    expect(verbatim.fields.problem).toBe(false);
  });

  it('a spam persona passes only when no real lead is stored', () => {
    const spam: Persona = { ...persona, kind: 'spam', expect: { lead: false, qualification: 'spam' } };
    expect(scoreConversation(result(undefined, spam)).fully).toBe(true);
    expect(scoreConversation(result({ ...lead, qualification: 'spam' }, spam)).fully).toBe(true);
    expect(scoreConversation(result(lead, spam)).fully).toBe(false);
  });

  it('checks the reply rules from outside', () => {
    expect(formatViolations('Uno.\n\nDos.\n\nTres.', 'es')).toContain('more than two paragraphs');
    expect(formatViolations('¿Nombre? ¿Correo?', 'es')).toContain('more than one question');
    expect(formatViolations('Cuesta 49 USD (Fuente: Planes).', 'es')).toContain('source tag in the bubble');
    expect(formatViolations('Could you tell me your name and your email please?', 'es')).toContain(
      'wrong language',
    );
    const repeated =
      'Entiendo que es urgente: la plataforma está caída. Entiendo que es urgente: la plataforma está caída.';
    expect(formatViolations(repeated, 'es').join()).toMatch(/repeated clause/);
    expect(formatViolations('¿Me podría compartir su nombre y su correo electrónico?', 'es')).toEqual([]);
  });

  it('reads what a bot question asks for, whole sentences only', () => {
    expect(detectAsks('Gracias. ¿Me podría compartir su nombre y su correo?')).toEqual(['email', 'name']);
    expect(detectAsks('Le escribiremos a ana@gmail.com. ¿Hay algo más?')).toEqual([]);
    expect(detectAsks('Puede que haya un error. ¿Quiso decir ana@gmail.com?')).toContain('confirm');
    expect(detectAsks('One last thing: which company are you writing from?')).toEqual(['company']);
  });
});
