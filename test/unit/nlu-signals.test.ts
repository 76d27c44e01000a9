import { describe, expect, it } from 'vitest';
import { analyseMessage } from '../../src/nlu/analyse.ts';
import { detectLanguage } from '../../src/nlu/language.ts';
import {
  buyingSignals,
  extractNeed,
  interestArea,
  isFarewell,
  isGreetingOnly,
  sentimentScore,
  spamScore,
  urgencyScore,
  wantsHuman,
} from '../../src/nlu/signals.ts';

describe('urgencyScore', () => {
  it.each([
    'urgente, se nos cae la producción',
    'URGENTE!!! el sistema está caído y estamos perdiendo clientes',
    'Production is down, we need help ASAP',
    'No funciona nada, estamos perdiendo dinero',
    'This is critical, our checkout is broken right now!',
  ])('high: %s', (text) => {
    expect(urgencyScore(text)).toBeGreaterThanOrEqual(0.7);
  });

  it.each([
    'Hola, quisiera información sobre sus planes',
    'Cuando puedan me mandan la cotización, no hay prisa',
    'No es urgente, pero me gustaría saber el precio',
    'Hi, could you send me your pricing? No rush.',
    "Nothing urgent, I just want to know if the drivers' app runs on Android.",
    'queria ver si esto me sirve, no es urjente',
    'no hay ningún apuro, solo estoy mirando opciones',
    'Just trying to get a feel for it, nothing decided yet.',
  ])('low: %s', (text) => {
    expect(urgencyScore(text)).toBeLessThan(0.3);
  });

  it('a deadline of a day or two is a strong signal', () => {
    expect(
      urgencyScore('our provider cuts us off tomorrow, 14 lorries need tracking'),
    ).toBeGreaterThanOrEqual(0.5);
    expect(urgencyScore('lo necesito para pasado mañana')).toBeGreaterThanOrEqual(0.5);
    // "mañana" alone is also "morning": not a deadline.
    expect(urgencyScore('esta mañana revisé la factura')).toBeLessThan(0.3);
  });

  it('everyone stopped is Alto by itself, said without the usual words', () => {
    for (const text of [
      'great, so your forced password reset locked out every single one of our dispatchers',
      'desde ayer ningún conductor puede entrar a la app',
      'none of our 15 supervisors can sign in',
    ])
      expect(urgencyScore(text), text).toBeGreaterThanOrEqual(0.55);
    expect(urgencyScore('queremos que todos los conductores tengan la app')).toBeLessThan(0.3);
  });

  it('a negation elsewhere does not calm a real hurry', () => {
    expect(urgencyScore('no funciona y es urgente')).toBeGreaterThanOrEqual(0.5);
    expect(urgencyScore('no podemos trabajar, urgente')).toBeGreaterThanOrEqual(0.5);
  });

  it('an ordinary problem sits in between', () => {
    const u = urgencyScore('Tengo un error al generar reportes');
    expect(u).toBeGreaterThan(0);
    expect(u).toBeLessThan(0.7);
  });
});

describe('spamScore', () => {
  it.each([
    'GANA DINERO RÁPIDO!!! Invierte en crypto y duplica tu dinero, click aquí bit.ly/xyz123',
    'Make money from home $$$ work from home, earn $500 per day, click here http://tinyurl.com/abc',
    'We offer SEO services and high quality backlinks to rank your website on the first page of Google',
    'Compra seguidores reales para tu Instagram 🚀🚀 http://a.xyz http://b.xyz http://c.xyz',
    'Casino online con bonos, apuestas deportivas y forex. Escríbeme al privado',
  ])('spam: %s', (text) => {
    expect(spamScore(text)).toBeGreaterThanOrEqual(0.7);
  });

  it.each([
    'Hola, tengo una tienda en línea https://mitienda.mx y quiero cotizar su plan empresarial',
    'Hi, our website www.acme-logistics.com is slow since yesterday, can you help?',
    'Necesito mejorar el SEO de mi sitio, ¿ustedes lo hacen?',
    'Buenas tardes, me interesa una demo para mi equipo de 20 personas',
    'Me cobraron dos veces la factura de marzo',
  ])('normal: %s', (text) => {
    expect(spamScore(text)).toBeLessThan(0.3);
  });
});

describe('sentimentScore', () => {
  it('reads angry and happy messages', () => {
    expect(sentimentScore('Esto es inaceptable, estoy furioso, no funciona nada!!')).toBeLessThan(-0.5);
    expect(sentimentScore('Muchas gracias, excelente servicio')).toBeGreaterThan(0.5);
    expect(sentimentScore('Quisiera información')).toBe(0);
    expect(sentimentScore('no estoy contento con el servicio')).toBeLessThan(0);
  });
});

describe('interestArea and buying signals', () => {
  it.each([
    ['¿Cuánto cuestan sus planes? Quiero una cotización', 'Ventas'],
    ['I would like a demo and your pricing', 'Ventas'],
    ['No puedo entrar a mi cuenta, me sale un error', 'Soporte'],
    ["I can't log in, the app is broken", 'Soporte'],
    ['Me cobraron dos veces la factura', 'Facturación'],
    ['I need a refund for a duplicate charge on my invoice', 'Facturación'],
    ['Quiero aplicar a una vacante de empleo', 'Otro'],
    ['Hola, buenas tardes', undefined],
    // A sales pain ("slow deliveries") is not a support case.
    ['Hi, our deliveries are slow and we need better route planning for our 20 trucks', 'Ventas'],
    ['Nuestras entregas son lentas, queremos una cotización', 'Ventas'],
    ['Production is down since this morning, nothing works', 'Soporte'],
  ] as const)('%s → %s', (text, area) => {
    expect(interestArea(text)).toBe(area);
  });

  it('counts buying signals', () => {
    expect(
      buyingSignals('¿Cuánto cuesta el plan empresarial? Queremos contratar para nuestro equipo'),
    ).toBeGreaterThanOrEqual(3);
    expect(buyingSignals('No puedo entrar a mi cuenta')).toBe(0);
  });
});

describe('greeting, farewell, human', () => {
  it('recognises pure greetings', () => {
    expect(isGreetingOnly('Hola, buenas tardes!')).toBe(true);
    expect(isGreetingOnly('hi there')).toBe(true);
    expect(isGreetingOnly('Hola, necesito ayuda')).toBe(false);
  });
  it('recognises farewells', () => {
    expect(isFarewell('No, gracias. Eso es todo')).toBe(true);
    expect(isFarewell("that's all, bye")).toBe(true);
    expect(isFarewell('Gracias, ¿y cuánto cuesta el plan?')).toBe(false);
  });
  it('recognises requests for a human', () => {
    expect(wantsHuman('Quiero hablar con una persona')).toBe(true);
    expect(wantsHuman('¿Me pasa con un asesor?')).toBe(true);
    expect(wantsHuman('Can I talk to a human agent?')).toBe(true);
    expect(wantsHuman('Quiero información de precios')).toBe(false);
  });
});

describe('extractNeed', () => {
  it('keeps the clauses that state the need', () => {
    expect(
      extractNeed('Hola, necesito info sobre sus planes, tenemos problemas con los tiempos de entrega'),
    ).toBe('necesito info sobre sus planes, tenemos problemas con los tiempos de entrega');
    expect(extractNeed("Hi, I'm Tom. Our checkout page is broken since this morning.")).toBe(
      'Our checkout page is broken since this morning',
    );
    expect(extractNeed('Soy Carlos y necesito una cotización')).toBe('necesito una cotización');
  });
  it('returns undefined for greetings and contact data', () => {
    expect(extractNeed('Hola, buenas tardes')).toBeUndefined();
    expect(extractNeed('soy Ana, ana@x.com')).toBeUndefined();
    expect(extractNeed('mi teléfono es 55 1234 5678')).toBeUndefined();
    expect(extractNeed('Gracias!')).toBeUndefined();
  });
});

describe('detectLanguage', () => {
  it('tells Spanish from English', () => {
    expect(detectLanguage('¿Cuánto cuesta?', undefined, 'en').language).toBe('es');
    expect(detectLanguage('Hola, necesito ayuda con mi cuenta', undefined, 'en').language).toBe('es');
    expect(detectLanguage('Hi, I need help with my account', undefined, 'es').language).toBe('en');
  });
  it('keeps the previous language on short or ambiguous messages', () => {
    for (const text of ['ok', 'juan@x.com', 'Carlos López', '5512345678', 'Perfecto']) {
      expect(detectLanguage(text, 'en', 'es').language).toBe('en');
    }
    for (const text of ['ok', 'juan@x.com', 'Carlos López', 'thanks']) {
      expect(detectLanguage(text, 'es', 'en').language).toBe('es');
    }
  });
  it('switches on a clearly English message after Spanish', () => {
    const g = detectLanguage('Sorry, can we continue in English? I need a quote for my team', 'es', 'es');
    expect(g.language).toBe('en');
    expect(g.confidence).toBeGreaterThan(0.7);
  });
  it('falls back on the default with no clue', () => {
    expect(detectLanguage('ok', undefined, 'en')).toEqual({ language: 'en', confidence: 0.2 });
  });
});

describe('analyseMessage', () => {
  it('combines everything for a first message', () => {
    const a = analyseMessage('Hola, soy el Ing. Carlos López. Urgente, se nos cae la producción!', {
      expecting: [],
      defaultLanguage: 'es',
    });
    expect(a.language).toBe('es');
    expect(a.fields.name).toBe('Ing. Carlos López');
    expect(a.fields.problem).toBe('Urgente, se nos cae la producción!');
    expect(a.need).toBe(a.fields.problem);
    expect(a.urgency).toBeGreaterThanOrEqual(0.7);
    expect(a.interest).toBe('Soporte');
    expect(a.greetingOnly).toBe(false);
    expect(a.spamScore).toBeLessThan(0.3);
  });

  it('does not turn a short answer into a need', () => {
    const a = analyseMessage('Transportes Unidos del Norte', {
      expecting: ['company'],
      previousLanguage: 'es',
      defaultLanguage: 'es',
    });
    expect(a.fields).toEqual({ company: 'Transportes Unidos del Norte' });
    expect(a.need).toBeUndefined();
  });

  it('reports invalid emails and greetings', () => {
    const a = analyseMessage('carlos@', {
      expecting: ['email'],
      previousLanguage: 'en',
      defaultLanguage: 'es',
    });
    expect(a.invalidEmail).toBe('carlos@');
    expect(a.language).toBe('en');
    expect(analyseMessage('Hola!', { expecting: [], defaultLanguage: 'es' }).greetingOnly).toBe(true);
  });
});
