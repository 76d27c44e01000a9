import { describe, expect, it } from 'vitest';
import { detectLanguage, languageEvidence, requestedLanguage } from '../../src/nlu/language.ts';

const lang = (text: string, previous: 'es' | 'en' | undefined, fallback: 'es' | 'en'): string =>
  detectLanguage(text, previous, fallback).language;

describe('requestedLanguage', () => {
  it('hears a request for English, however it is phrased', () => {
    for (const text of [
      'english pls',
      'in english please',
      'can you speak english',
      'English?',
      'Do you speak English?',
      'Sorry, can we continue in English?',
      'could you reply in english',
      'hablas inglés?',
      'respóndeme en inglés x favor',
      'sorry I don’t speak spanish',
      'I do not understand Spanish',
    ]) {
      expect(requestedLanguage(text), text).toBe('en');
    }
  });
  it('hears a request for Spanish, however it is phrased', () => {
    for (const text of [
      'en español por favor',
      'hablas español?',
      'Español',
      'en espanol porfa',
      '¿Hablan castellano?',
      'can you speak spanish?',
      'spanish please',
      'no hablo inglés',
      'no entiendo ingles, perdon',
    ]) {
      expect(requestedLanguage(text), text).toBe('es');
    }
  });
  it('is not fooled by a language merely mentioned, or by both', () => {
    for (const text of [
      'hola necesito info de los planes',
      'tienen documentación en inglés?',
      'Our English team handles support',
      'We speak English and Spanish here',
      '¿inglés o español?',
      'ok',
      '',
    ]) {
      expect(requestedLanguage(text), text).toBeUndefined();
    }
  });
});

describe('detectLanguage', () => {
  it('switches at once on an explicit request, even a short one', () => {
    expect(detectLanguage('english pls', 'es', 'es')).toEqual({ language: 'en', confidence: 0.95 });
    expect(lang('can you speak english', 'es', 'es')).toBe('en');
    expect(lang('en español por favor', 'en', 'en')).toBe('es');
    expect(lang('hablas español?', 'en', 'en')).toBe('es');
    expect(lang('no hablo inglés', 'en', 'en')).toBe('es');
  });

  it('keeps the conversation’s language on short or content-free messages', () => {
    for (const text of [
      'ok',
      'sí',
      'vale',
      'gracias',
      'ok gracias',
      'perfecto gracias',
      '👍',
      '🙏🏻',
      'juan.perez@gmail.com',
      'https://transruiz.es',
      'Transportes Ruiz',
      'Logística del Sur',
      'María José Hernández',
      '+52 55 1234 5678',
    ]) {
      expect(lang(text, 'en', 'es'), text).toBe('en');
    }
    for (const text of [
      'ok',
      'thanks',
      'ok thanks',
      'Sounds good',
      'yes',
      'cool',
      'Tom Baker',
      'tom@brightline.co.uk',
      'Brightline Couriers Ltd',
      '555-0134',
      '👍',
    ]) {
      expect(lang(text, 'es', 'en'), text).toBe('es');
    }
  });

  it('falls back on the tenant default when a first message tells nothing', () => {
    for (const text of ['ok', '👍', 'Transportes Ruiz', '5512345678', 'ana@brightline-couriers.co.uk']) {
      expect(detectLanguage(text, undefined, 'es'), text).toEqual({ language: 'es', confidence: 0.2 });
      expect(lang(text, undefined, 'en'), text).toBe('en');
    }
  });

  it('reads no-accent, lower-case, typo-laden Spanish as Spanish, even after English', () => {
    for (const text of [
      'hola necesito info de los planes xq tenemos 20 camiones',
      'buenas tardes quisiera una cotizacion para 3 sucursales',
      'q onda cuanto sale el plan pro somos como 15 en la oficina',
      'tengo una flotilla de 20 camiones y ocupo rastreo',
      'kiero saber los presios del plan basico',
      'ola buenas tardes me interesa el servicio de rastreo',
      'se cayo el sistema y no podemos facturar',
      'cuanto tiempo tarda la instalacion',
      'URGENTE NECESITO AYUDA CON EL SISTEMA',
    ]) {
      expect(lang(text, undefined, 'en'), text).toBe('es');
      expect(lang(text, 'en', 'en'), text).toBe('es');
    }
    expect(lang('nesesito cotisasion urjente pa mi negosio', undefined, 'en')).toBe('es');
  });

  it('reads plain chat English as English, even after Spanish', () => {
    for (const text of [
      'hi there, we run a small fleet and need gps tracking',
      'how much for 50 users?',
      'can someone call me back tomorrow afternoon',
      'do you have a free trial',
      'i cant log into my account',
      'Our website has been down since this morning and we are losing sales',
    ]) {
      expect(lang(text, undefined, 'es'), text).toBe('en');
      expect(lang(text, 'es', 'es'), text).toBe('en');
    }
  });

  it('keeps the dominant language of Spanglish', () => {
    for (const text of [
      'necesito el pricing del plan enterprise para mi team',
      'me pueden mandar el invoice del mes pasado?',
      'tenemos un issue con el dashboard desde ayer',
    ]) {
      expect(lang(text, 'es', 'es'), text).toBe('es');
      expect(lang(text, undefined, 'en'), text).toBe('es');
    }
    for (const text of [
      'I need the precio for the plan please',
      'can you send me the factura for march',
      'the app is not working, ayuda please',
    ]) {
      expect(lang(text, 'en', 'en'), text).toBe('en');
      expect(lang(text, undefined, 'es'), text).toBe('en');
    }
  });

  it('maps Portuguese to Spanish, its nearer neighbour', () => {
    for (const text of [
      'olá, preciso de informações sobre os planos',
      'bom dia, gostaria de um orçamento para a minha empresa',
      'obrigado, vocês têm suporte no fim de semana?',
      'quanto custa o plano para dez usuários?',
    ]) {
      expect(lang(text, undefined, 'en'), text).toBe('es');
      expect(lang(text, 'en', 'en'), text).toBe('es');
    }
  });

  it('gives a confidence between 0 and 1 that grows with the evidence', () => {
    const weak = detectLanguage('gracias', undefined, 'en');
    const strong = detectLanguage(
      'Hola, necesito ayuda con mi cuenta, no puedo entrar desde ayer',
      'en',
      'en',
    );
    expect(weak.confidence).toBeLessThan(strong.confidence);
    expect(strong.confidence).toBeLessThanOrEqual(1);
    expect(detectLanguage('x'.repeat(20_000), 'es', 'en').language).toBe('es');
  });
});

describe('languageEvidence', () => {
  it('scores word-list evidence and ignores emails, URLs and names', () => {
    const es = languageEvidence('Hola, necesito una cotización');
    expect(es.es).toBeGreaterThan(es.en);
    const en = languageEvidence("Hi, I'm looking for pricing");
    expect(en.en).toBeGreaterThan(en.es);
    expect(languageEvidence('ana@empresa.com https://www.acme.com Ruiz')).toEqual({ es: 0, en: 0 });
  });
});
