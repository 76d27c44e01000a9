import { describe, expect, it } from 'vitest';
import { declinesDetail } from '../../src/nlu/intents.ts';

describe('declinesDetail: the person would rather not give a detail', () => {
  it.each([
    'prefiero no dar mi correo',
    'Prefiero no compartir mi email, gracias',
    'no quiero dar mi teléfono',
    'No tengo correo',
    '¿para qué quieren mi correo?',
    "I'd rather not share my email",
    'I prefer not to give my phone number',
    "I don't want to share my email",
    'why do you need my email?',
    'nah i dont really do email just text me',
    'mejor llámenme al 55 1234 5678',
  ])('declines: %s', (text) => expect(declinesDetail(text)).toBe(true));

  it.each([
    'ana@perez.mx',
    'Soy Ana Pérez',
    'No, gracias, es todo',
    'no puedo acceder a mi cuenta',
    'prefiero que me llamen por teléfono',
    'I would rather have a demo first',
    'we do not want to lose deliveries',
    'call me Bob',
  ])('does not decline: %s', (text) => expect(declinesDetail(text)).toBe(false));
});
