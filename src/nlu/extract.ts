/**
 * Field extraction from one message: name, email, phone, company (Spanish and English), plus the
 * text that looked like an email but is not valid. Pure, pattern based, linear on long input.
 */

import type { ExtractedFields, LeadField } from '../protocol/index.ts';
import { companyAfterName, companyFromCues, companyFromShortAnswer } from './extract-company.ts';
import { emailAttempt, findPhone, isValidEmail, repairSpokenEmail, scanEmails } from './extract-contact.ts';
import { nameFromCues, nameFromShortAnswer } from './extract-name.ts';
import { TITLES } from './lexicon.ts';
import { maskSpans, spansOf, URL_RE } from './text.ts';

export { isValidEmail };

/** What the bot was waiting for when this message arrived. */
export interface ExtractContext {
  expecting: readonly LeadField[];
}

/** Fields found in one message. */
export interface Extraction {
  fields: ExtractedFields;
  /** Text that looked like an email but is not a valid address. */
  invalidEmail?: string;
}

/**
 * Splits a segment at sentence ends ("Lucía Fernández. Frutas Fernández e Hijos"): a period after a
 * word, never after an initial, a title ("Dra.") or inside a legal suffix ("S.L.").
 */
function sentences(segment: string): string[] {
  const out: string[] = [];
  let start = 0;
  // A word or a masked detail (blanks: "llámenme al ____. Rocío Salazar"), then one or more periods
  // (the look-behind starts a word only at its beginning: linear on long input).
  for (const m of segment.matchAll(/(?<![\p{L}])([\p{L}]+)\.+\s+|\s\.+\s+/gu)) {
    const word = (m[1] ?? '').toLowerCase();
    const masked = m[1] === undefined;
    if (!masked && (word.length < 2 || TITLES.has(word) || /\.\p{L}*$/u.test(segment.slice(0, m.index))))
      continue;
    out.push(segment.slice(start, m.index + (m[1] ?? '').length));
    start = m.index + m[0].length;
  }
  out.push(segment.slice(start));
  // A masked email leaves its sentence's period behind (". Ramiro Benítez"): strip it.
  return out.map((s) => s.replace(/^[\s.,;:!¡]+/u, '').trim()).filter((s) => s.length > 0);
}

/** Longest text scanned for fields; contact data never hides past this in a chat message. */
const MAX_SCAN = 20_000;

/**
 * Extracts name, email, phone and company from `text`. `ctx.expecting` (the fields the bot just asked
 * for) lets short answers count: "Carlos López" is a name only when a name was expected.
 */
export function extractFields(text: string, ctx: ExtractContext): Extraction {
  const expecting = new Set(ctx.expecting);
  const work = text.length > MAX_SCAN ? text.slice(0, MAX_SCAN) : text;
  const fields: ExtractedFields = {};

  const emails = scanEmails(work);
  if (emails.valid.length === 0) {
    const spoken = repairSpokenEmail(work);
    if (spoken) emails.valid.push(spoken);
  }
  const first = emails.valid[0];
  if (first) fields.email = first.value.toLowerCase();
  let invalidEmail: string | undefined;
  if (fields.email === undefined) {
    invalidEmail = emails.invalid ?? (expecting.has('email') ? emailAttempt(work) : undefined);
  }

  const urlSpans = spansOf(work, URL_RE);
  let masked = maskSpans(work, [...emails.valid.map((e) => [e.start, e.end] as const), ...urlSpans]);
  if (invalidEmail !== undefined) {
    const at = masked.indexOf(invalidEmail);
    if (at >= 0) masked = maskSpans(masked, [[at, at + invalidEmail.length]]);
  }

  const phone = findPhone(masked, expecting.has('phone'));
  if (phone) {
    fields.phone = phone.value;
    masked = maskSpans(masked, [[phone.start, phone.end]]);
  }

  const name = nameFromCues(masked, expecting.has('name'));
  if (name !== undefined) fields.name = name.name;
  const company =
    companyFromCues(masked, expecting.has('company')) ??
    (name ? companyAfterName(masked, name.end) : undefined);
  if (company !== undefined && company !== fields.name) fields.company = company;

  // Short answers: "Carlos López, Logística del Norte" after "¿su nombre y empresa?".
  if ((expecting.has('name') && !fields.name) || (expecting.has('company') && !fields.company)) {
    const segments = masked
      .split(/[,;\n]|\s+[-–—/|]\s+/u)
      .flatMap(sentences)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (segments.length <= 4) {
      for (const segment of segments) {
        if (expecting.has('name') && !fields.name) {
          const n = nameFromShortAnswer(segment);
          if (n !== undefined) {
            fields.name = n;
            continue;
          }
        }
        if (expecting.has('company') && !fields.company) {
          const c = companyFromShortAnswer(segment);
          if (c !== undefined && c !== fields.name) fields.company = c;
        }
      }
    }
  }

  const fuller = fields.name === undefined ? undefined : fullerName(masked, fields.name);
  if (fuller !== undefined) fields.name = fuller;
  return invalidEmail === undefined ? { fields } : { fields, invalidEmail };
}

/** "its pete, pete lawson": a later short segment that repeats the first name and adds a surname. */
function fullerName(text: string, name: string): string | undefined {
  const first = name.split(/\s+/u)[0]?.toLowerCase();
  if (first === undefined || name.includes(' ')) return undefined;
  for (const segment of text.split(/[,;\n]/u)) {
    const n = nameFromShortAnswer(segment);
    if (n !== undefined && n.toLowerCase().startsWith(`${first} `)) return n;
  }
  return undefined;
}
