/**
 * The **dev** split: personas generated from templates with a seeded random choice of slots. It is
 * the split one tunes on; the **test** split (`eval/personas/test.json`) is hand-written by someone
 * else and only scored. Same kinds, different method, so over-fitting shows as a gap between them.
 */

import type { Persona, PersonaExpect, PersonaKind } from './types.ts';
import { prng } from '../../bench/stats.ts';
import { COMPANIES, INJECTION, KINDS, PEOPLE, SPAM, VEHICLES } from './dev-templates.ts';
import type { KindSpec, Lang, Slots, Template } from './dev-templates.ts';

const stripAccents = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/gu, '');
const STYLES: [string, (s: string) => string][] = [
  ['plain', (s) => s],
  ['lowercase', (s) => s.toLowerCase()],
  ['no_accents', (s) => stripAccents(s).replace(/[¿¡]/gu, '')],
  // Voice-note style: no punctuation between words (an email's dots stay).
  ['voice', (s) => s.replace(/[,!?¿¡]|\.(?=\s|$)/gu, '').toLowerCase()],
];

function slots(lang: Lang, pick: <T>(xs: readonly T[]) => T, rand: () => number): Slots {
  const [first, last] = pick(PEOPLE[lang]);
  const [company, domain] = pick(COMPANIES[lang]);
  return { first, last, company, domain, n: 5 + Math.floor(rand() * 60), vehicles: pick(VEHICLES[lang]) };
}

const user = (s: Slots): string => stripAccents(`${s.first}.${s.last}`).toLowerCase().replace(/'/gu, '');

const PHRASES = {
  es: {
    name: (s: Slots, v: number) => (v % 2 ? `${s.first} ${s.last}` : `soy ${s.first} ${s.last}`),
    company: (s: Slots, named: boolean, v = 0) =>
      named
        ? ([`trabajo en ${s.company}`, s.company, `de ${s.company}`, `la empresa es ${s.company}`][v % 4] ??
          '')
        : (['es a título personal', 'no tengo empresa', 'es para mí'][v % 3] ?? ''),
    refuse: 'prefiero no dar mi correo, mejor llámenme al 55 1234 5678',
    phone: '55 1234 5678',
    confirm: 'sí, perdón',
    correction: (e: string) => `perdón, me equivoqué: mi correo correcto es ${e}`,
    allInOne: (s: Slots, e: string) => `Soy ${s.first} ${s.last} de ${s.company}, mi correo es ${e}.`,
  },
  en: {
    name: (s: Slots, v: number) => (v % 2 ? `${s.first} ${s.last}` : `I'm ${s.first} ${s.last}`),
    company: (s: Slots, named: boolean, v = 0) =>
      named
        ? ([`I work at ${s.company}`, s.company, `from ${s.company}`, `the company is ${s.company}`][v % 4] ??
          '')
        : (["it's just for me, no company", "I'm self-employed", 'no company, just me'][v % 3] ?? ''),
    refuse: "I'd rather not give my email, call me on 07700 900123",
    phone: '07700 900123',
    confirm: 'yes, sorry',
    correction: (e: string) => `sorry, typo: my correct email is ${e}`,
    allInOne: (s: Slots, e: string) => `I'm ${s.first} ${s.last} from ${s.company}, email ${e}.`,
  },
};

/** All dev personas (deterministic: the same list on every run). */
export function devPersonas(): Persona[] {
  const rand = prng(20261206);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out: Persona[] = [];
  let counter = 0;
  const add = (
    lang: Lang,
    kind: PersonaKind,
    build: (s: Slots, style: string) => Omit<Persona, 'id' | 'lang' | 'kind' | 'style'>,
  ) => {
    const s = slots(lang, pick, rand);
    const [style, transform] = STYLES[counter % STYLES.length] ?? STYLES[0]!;
    counter += 1;
    const p = build(s, style);
    out.push({
      id: `d-${lang}-${String(counter).padStart(3, '0')}`,
      lang,
      kind,
      style,
      ...p,
      opening: transform(p.opening),
    });
  };
  // Two rounds: every template twice, with other people, companies, sizes and writing styles.
  for (const lang of ['es', 'en', 'es', 'en'] as const) {
    const ph = PHRASES[lang];
    for (const [kind, spec] of Object.entries(KINDS) as [PersonaKind, KindSpec][]) {
      for (const [i, opening] of spec.opening[lang].entries()) {
        const urgency = spec.urgency?.[lang][i];
        const qualification = spec.qualification?.[lang][i];
        add(lang, kind, (s) => {
          const named = spec.company === 'named';
          const email = named ? `${user(s)}@${s.domain}` : `${user(s)}@gmail.com`;
          const { covers, ...expect } = spec.expect;
          return {
            opening: opening(s),
            answers: {
              need: pick(spec.need[lang])(s),
              name: ph.name(s, counter),
              email,
              company: ph.company(s, named, counter),
            },
            expect: {
              ...expect,
              ...(urgency ? { urgency_level: urgency } : {}),
              ...(qualification ? { qualification } : {}),
              name: `${s.first} ${s.last}`,
              email,
              company: named ? s.company : null,
              problem_covers: covers[lang],
            },
          };
        });
      }
    }
    derivedKinds(lang, add, pick);
  }
  return out;
}

type Add = (
  lang: Lang,
  kind: PersonaKind,
  build: (s: Slots, style: string) => Omit<Persona, 'id' | 'lang' | 'kind' | 'style'>,
) => void;

function baseExpect(
  lang: Lang,
  kind: PersonaKind,
  s: Slots,
  email: string,
  company: string | null,
): PersonaExpect {
  const { covers, ...rest } = (KINDS[kind] as KindSpec).expect;
  return { ...rest, name: `${s.first} ${s.last}`, email, company, problem_covers: covers[lang] };
}

function derivedKinds(lang: Lang, add: Add, pick: <T>(xs: readonly T[]) => T): void {
  const ph = PHRASES[lang];
  // The opening picked last, and its urgency when it differs from its kind's (expectations follow it).
  let urgency: string | undefined;
  let qualification: string | undefined;
  const from = (kind: PersonaKind, s: Slots): string => {
    const spec = KINDS[kind] as KindSpec;
    const i = Math.floor(pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) % spec.opening[lang].length);
    // No derived persona answers a need question: the opening is all it says about it.
    const bare = spec.bare?.[lang][i];
    urgency = bare?.urgency ?? spec.urgency?.[lang][i];
    qualification = bare?.qualification ?? spec.qualification?.[lang][i];
    return (spec.opening[lang][i] as Template)(s);
  };
  const expectFor = (kind: PersonaKind, s: Slots, email: string, company: string | null): PersonaExpect => {
    const e = baseExpect(lang, kind, s, email, company);
    return {
      ...e,
      ...(urgency ? { urgency_level: urgency } : {}),
      ...(qualification ? { qualification } : {}),
    };
  };
  for (const base of ['hot_sales', 'billing', 'outage'] as const) {
    add(lang, 'all_in_one', (s) => {
      const email = `${user(s)}@${s.domain}`;
      return {
        opening: `${from(base, s)}. ${ph.allInOne(s, email)}`,
        answers: {},
        expect: expectFor(base, s, email, s.company),
      };
    });
  }
  for (const base of ['price_question', 'hot_sales'] as const) {
    add(lang, 'refuses_email', (s) => {
      // The opening first: the expectation follows the opening picked.
      const opening = from(base, s);
      const { email: _e, ...expect } = expectFor(base, s, '', s.company);
      return {
        opening,
        answers: {
          name: ph.name(s, 1),
          refuse_email: ph.refuse,
          phone: ph.phone,
          company: ph.company(s, true, s.n),
        },
        expect,
      };
    });
    add(lang, 'corrects_email', (s) => {
      const email = `${user(s)}@${s.domain}`;
      return {
        opening: from(base, s),
        answers: {
          name: ph.name(s, 0),
          email: `${user(s)}@${s.domain.replace(/\./u, '-')}.com`,
          company: ph.company(s, true, s.n),
        },
        script: [ph.correction(email)],
        expect: expectFor(base, s, email, s.company),
      };
    });
  }
  for (const [typo, right] of [
    ['gmial.com', 'gmail.com'],
    ['hotmial.com', 'hotmail.com'],
    ['outlok.com', 'outlook.com'],
  ] as const) {
    add(lang, 'typo_email', (s) => ({
      opening: from('price_question', s),
      answers: {
        name: ph.name(s, 1),
        email: `${user(s)}@${typo}`,
        confirm: ph.confirm,
        company: ph.company(s, false, s.n),
      },
      expect: expectFor('price_question', s, `${user(s)}@${right}`, null),
    }));
  }
  for (const base of ['billing', 'hot_sales'] as const) {
    add(lang, 'personal_email_company', (s) => {
      const email = `${user(s)}@gmail.com`;
      return {
        opening: from(base, s),
        answers: { name: ph.name(s, 0), email, company: ph.company(s, true, s.n) },
        expect: expectFor(base, s, email, s.company),
      };
    });
  }
  // Starts as a browser; the real problem (an outage) comes out after the lead is registered.
  add(lang, 'topic_change', (s) => {
    const email = `${user(s)}@${s.domain}`;
    return {
      opening: from('cold_browser', s),
      answers: { name: ph.name(s, 1), email, company: ph.company(s, true, s.n) },
      script: [from('outage', s)],
      expect: expectFor('outage', s, email, s.company),
    };
  });
  for (const [kind, texts] of [
    ['spam', SPAM[lang]],
    ['injection', INJECTION[lang]],
  ] as const) {
    for (const text of texts) {
      add(lang, kind, () => ({
        opening: text,
        answers: {},
        script: [texts[0] ?? text],
        expect: { lead: false, qualification: 'spam' },
      }));
    }
  }
}
