/**
 * Email and phone extraction. Scans by hand around each `@` and uses bounded regexes, so the cost
 * stays linear on very long messages.
 */

import { EN_WORDS } from './lexicon.ts';
import { fold } from './text.ts';

const LOCAL_RE = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const LABEL_RE = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TLD_RE = /^(?:\p{L}{2,24}|xn--[a-z0-9-]{1,59})$/u;
const LOCAL_CHAR = /[\p{L}\p{N}._%+'-]/u;
const DOMAIN_CHAR = /[\p{L}\p{N}.-]/u;

/** True when `s` is a syntactically valid email address (one `@`, dotted domain, sane lengths). */
export function isValidEmail(s: string): boolean {
  if (s.length > 254) return false;
  const at = s.indexOf('@');
  if (at <= 0 || at !== s.lastIndexOf('@')) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (local.length > 64 || !LOCAL_RE.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  const tld = labels[labels.length - 1] ?? '';
  return labels.every((l) => LABEL_RE.test(l)) && TLD_RE.test(tld);
}

/** An email found in text, with its span. */
export interface EmailHit {
  value: string;
  start: number;
  end: number;
}

/** Valid emails in `text`, and the first thing that looked like an email but is not one. */
export function scanEmails(text: string): { valid: EmailHit[]; invalid?: string } {
  const valid: EmailHit[] = [];
  let invalid: string | undefined;
  let from = 0;
  for (let at = text.indexOf('@', from); at >= 0; at = text.indexOf('@', from)) {
    let start = at;
    while (start > 0 && at - start < 80 && LOCAL_CHAR.test(text.charAt(start - 1))) start -= 1;
    let end = at + 1;
    while (end < text.length && end - at < 260 && DOMAIN_CHAR.test(text.charAt(end))) end += 1;
    while (end > at + 1 && /[.-]/u.test(text.charAt(end - 1))) end -= 1;
    while (start < at && /[.'-]/u.test(text.charAt(start))) start += 1;
    from = Math.max(end, at + 1);
    const candidate = text.slice(start, end);
    if (isValidEmail(candidate)) {
      valid.push({ value: candidate, start, end });
      continue;
    }
    if (invalid !== undefined) continue;
    // "carlos @ mail . com": take the words around a spaced @.
    const left =
      start < at
        ? text.slice(start, at)
        : (/[\p{L}\p{N}._%+-]+\s+$/u.exec(text.slice(Math.max(0, at - 70), at))?.[0] ?? '');
    const rightSrc = text.slice(at + 1, at + 81);
    const right =
      end > at + 1
        ? text.slice(at + 1, end)
        : (/^\s*[\p{L}\p{N}_-]+(?:\s*\.\s*[\p{L}\p{N}_-]+)*/u.exec(rightSrc)?.[0] ?? '');
    // A bare "@handle" is a username, not a broken email.
    if ((start === at || left.trim() === '') && !right.includes('.')) continue;
    invalid = `${left}@${right}`.trim();
  }
  return invalid === undefined ? { valid } : { valid, invalid };
}

const SPOKEN_AT = /(?<![\p{L}])(?:arroba|\[at\]|\(at\)|at)(?![\p{L}])/giu;
const SPOKEN_TAIL = /\s*[\p{L}\p{N}_-]+(?:\s*(?:punto|\[dot\]|\(dot\)|dot|\.)\s*[\p{L}\p{N}_-]+){1,4}/iuy;

/** "carlos arroba gmail punto com" / "carlos at gmail dot com" → "carlos@gmail.com" (only when valid). */
export function repairSpokenEmail(text: string): EmailHit | undefined {
  for (const m of text.slice(0, 2000).matchAll(SPOKEN_AT)) {
    const before = /[\p{L}\p{N}._%+-]+\s*$/u.exec(text.slice(Math.max(0, m.index - 70), m.index));
    SPOKEN_TAIL.lastIndex = m.index + m[0].length;
    const tail = SPOKEN_TAIL.exec(text);
    if (!before || !tail) continue;
    const local = before[0].trim();
    // Bare "at" is an English word ("I work at acme.com"): only "carlos at gmail dot com" counts.
    if (m[0].toLowerCase() === 'at' && (!/\bdot\b/iu.test(tail[0]) || EN_WORDS.has(local.toLowerCase())))
      continue;
    const domain = tail[0].replace(/\s*(?:punto|\[dot\]|\(dot\)|dot|\.)\s*/giu, '.').trim();
    const value = `${local}@${domain}`;
    if (isValidEmail(value)) {
      return { value, start: m.index - before[0].length, end: SPOKEN_TAIL.lastIndex };
    }
  }
  return undefined;
}

/** When an email was expected: a token that looks like an attempt without `@` ("carlos.logistica.mx"). */
export function emailAttempt(text: string): string | undefined {
  for (const token of text.slice(0, 2000).split(/\s+/u)) {
    const t = token.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    if (t.length < 4 || t.length > 100) continue;
    if (/^[\p{L}\p{N}_%+-]+(?:\.[\p{L}\p{N}_%+-]+)*\.\p{L}{2,}$/u.test(t)) return t;
  }
  const provider = /(?<![\p{L}])(?:gmail|hotmail|outlook|yahoo|icloud|live|proton(?:mail)?)(?![\p{L}])/iu;
  if (provider.test(text) && text.trim().length <= 60) return text.trim();
  return undefined;
}

const PHONE_CUE =
  /(?<![\p{L}])(?:tel|telefono|tels|cel|celular|movil|whatsapp|whats|wa|numero|num|phone|mobile|cell|call|llamar|llamame|marcar|marcame|contacto|contact|reach)(?![\p{L}])|[📞☎📱]/gu;
const OTHER_NUMBER_CUE =
  /(?<![\p{L}])(?:pedido|orden|order|ticket|folio|factura|invoice|guia|rastreo|tracking|cuenta|account|ref|referencia|rfc|curp|cp|codigo|code|id|serie|serial|sku|cliente|customer|contrato|contract|poliza|policy|tarjeta|card|clabe|transaccion|transaction)(?![\p{L}])|#/gu;
const PHONE_CANDIDATE = /(?<![\p{L}\p{N}+$#])\+?\s?\(?\d[\d\s().-]{5,24}\d(?!\p{N})/gu;

function lastIndex(re: RegExp, window: string): number {
  let last = -1;
  for (const m of window.matchAll(re)) last = m.index;
  return last;
}

/** A phone number in `text` (digits, with a leading `+` when given), or undefined. */
export function findPhone(
  text: string,
  expectingPhone: boolean,
): { value: string; start: number; end: number } | undefined {
  for (const m of text.matchAll(PHONE_CANDIDATE)) {
    const raw = m[0].trim();
    const start = m.index + (m[0].length - m[0].trimStart().length);
    const digits = raw.replace(/\D/gu, '');
    if (digits.length < 8 || digits.length > 15) continue;
    if (/^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/u.test(raw)) continue;
    const window = fold(text.slice(Math.max(0, start - 32), start));
    const phoneCue = lastIndex(PHONE_CUE, window);
    const otherCue = lastIndex(OTHER_NUMBER_CUE, window);
    if (otherCue > phoneCue) continue;
    const formatted =
      raw.startsWith('+') ||
      /^\(\d{2,4}\)/u.test(raw) ||
      /^\d{2,4}[\s.-]\d{3,4}[\s.-]\d{4}$/u.test(raw) ||
      /^\d{2,3}[\s.-]\d{2,4}[\s.-]\d{2,4}[\s.-]\d{2,4}$/u.test(raw);
    // A number alone in its own segment ("Ana, 5512345678") is a phone too.
    const before = text.slice(0, start).trimEnd();
    const after = text.slice(start + raw.length).trimStart();
    const alone = (before === '' || /[,;:\n]$/u.test(before)) && (after === '' || /^[,;.\n!]/u.test(after));
    if (phoneCue >= 0 || formatted || alone || (expectingPhone && otherCue < 0)) {
      return { value: (raw.startsWith('+') ? '+' : '') + digits, start, end: start + raw.length };
    }
  }
  return undefined;
}
