/**
 * "Did you mean …?" for email addresses: `juan@gmial.com` → `juan@gmail.com`. Built on
 * `@zootools/email-spell-checker` (mailcheck's maintained rewrite, sift3 distance) with its domain and TLD
 * lists extended for Spanish-speaking users, plus guards so that a corporate domain that is merely unusual
 * (transruiz.es, lime.es, hotmart.com) is never "corrected": a suggestion must be a known provider (or a
 * multi-country provider name on the same TLD), at most two edits away, and a slip of the finger by
 * `slip`'s rules. Mistyped `.com` / `.net` endings (`.con`, `.cmo`) are fixed on any domain.
 */

import { POPULAR_DOMAINS, POPULAR_TLDS, run } from '@zootools/email-spell-checker';

/** Obscure entries of the library's list that are closer to real company domains than to typos. */
const DROPPED = new Set(['mailw.com', 'pm.com', 'titan.email']);
const PROVIDERS = [
  ...POPULAR_DOMAINS.filter((d) => !DROPPED.has(d)),
  ...['gmail.com', 'hotmail.com', 'hotmail.es', 'hotmail.com.mx', 'hotmail.com.ar', 'outlook.com'],
  ...['outlook.es', 'outlook.com.mx', 'live.com', 'live.com.mx', 'live.com.ar', 'msn.com', 'yahoo.com'],
  ...['yahoo.es', 'yahoo.com.mx', 'yahoo.com.ar', 'prodigy.net.mx', 'icloud.com', 'mail.com', 'email.com'],
  ...['terra.com.mx', 'telefonica.net', 'movistar.es', 'gmx.es', 'gmx.com', 'protonmail.com'],
  ...['protonmail.ch', 'aol.com'],
];
const PROVIDER_SET = new Set(PROVIDERS);
/** Providers with one address space whatever TLD people guess (gmail.es, gmail.com.mx → gmail.com). */
const HOME = new Map([
  ['gmail', 'gmail.com'],
  ['googlemail', 'googlemail.com'],
  ['icloud', 'icloud.com'],
]);
/** Provider names that exist under many TLDs (hotmail.co.uk, yahoo.com.ar): a known TLD is left alone. */
const MULTI_TLD_NAMES = ['yahoo', 'hotmail', 'mail', 'live', 'outlook', 'msn'];
const LATAM_TLDS = 'mx ar co pe ve ec uy py bo gt sv hn ni cr pa do cl'.split(' ');
const TLDS = [
  ...POPULAR_TLDS,
  ...LATAM_TLDS.flatMap((cc) => [cc, `com.${cc}`, `net.${cc}`, `org.${cc}`, `gob.${cc}`, `edu.${cc}`]),
  ...['com.es', 'org.es', 'nom.es', 'cat', 'eus', 'gal', 'pt', 'com.pt', 'com.br', 'net.br', 'lat', 'pr'],
];
const TLD_SET = new Set(TLDS);
/** Top-level domains nobody owns that are a slip of the finger for `.com` / `.net`. */
const TLD_TYPOS: [RegExp, string][] = [
  [/\.(?:con|cmo|ocm|cpm|vom|xom|cim|clm|coom|comm|c0m)$/u, '.com'],
  [/\.(?:nte|nett|ney)$/u, '.net'],
  // Nobody has a mailbox at hotmail.co or yahoo.co: a truncated .com.
  [/^((?:yahoo|hotmail|outlook|live|msn)\.co)$/u, '$1m'],
];
const EMAIL_RE = /^[^\s@]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+$/u;

/** Restricted Damerau–Levenshtein distance (an adjacent swap is one edit). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const swap = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      const plain = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      d[i]![j] = swap ? Math.min(plain, d[i - 2]![j - 2]! + 1) : plain;
    }
  }
  return d[a.length]![b.length]!;
}

const KEY_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const ROW_SHIFT = [0, 0.25, 0.75];

/** Whether `a` and `b` sit next to each other on a QWERTY keyboard. */
function neighbours(a: string, b: string): boolean {
  const at = (c: string): [number, number] | undefined => {
    const row = KEY_ROWS.findIndex((r) => r.includes(c));
    return row < 0 ? undefined : [row, KEY_ROWS[row]!.indexOf(c) + ROW_SHIFT[row]!];
  };
  const [pa, pb] = [at(a), at(b)];
  if (pa === undefined || pb === undefined) return false;
  const [dy, dx] = [Math.abs(pa[0] - pb[0]), Math.abs(pa[1] - pb[1])];
  return dy === 0 ? dx === 1 : dy === 1 && dx <= 0.75;
}

/**
 * Whether `name` is a slip for the provider name `provider`: one edit (two for names of 8+ letters), and a
 * replaced letter must be a neighbouring key, a doubled letter or a vowel for a vowel (gnail, yahho,
 * hotmeil, prodigi → yes; lime, wahoo, hotmart, cloud → no).
 */
function slip(name: string, provider: string): boolean {
  const edits = editDistance(name, provider);
  if (edits === 0) return true;
  if (name.length < 3 || edits > (provider.length >= 8 ? 2 : 1)) return false;
  if (edits === 2 || name.length !== provider.length) return name[0] === provider[0];
  const i = [...name].findIndex((c, k) => c !== provider[k]);
  const [c = '', want = ''] = [name[i], provider[i]];
  const swapped = name[i + 1] === want && provider[i + 1] === c;
  const vowels = /[aeiouy]/u.test(c) && /[aeiouy]/u.test(want);
  return swapped || neighbours(c, want) || (i > 0 && (vowels || c === name[i - 1] || c === name[i + 1]));
}

/** Whether `domain` → `candidate` is a believable typo fix of a provider rather than another company. */
function plausible(domain: string, candidate: string): boolean {
  const [name = '', ...tldParts] = domain.split('.');
  const [fixedName = '', ...fixedParts] = candidate.split('.');
  const [tld, fixedTld] = [tldParts.join('.'), fixedParts.join('.')];
  // The same provider under another real TLD (terra.com.br, protonmail.ch) is not a typo.
  if (name === fixedName && TLD_SET.has(tld)) return false;
  const known = PROVIDER_SET.has(candidate) || (MULTI_TLD_NAMES.includes(fixedName) && tld === fixedTld);
  return known && editDistance(domain, candidate) <= 2 && slip(name, fixedName);
}

/** The library's suggestion for `local@domain` when it passes `plausible`. */
function librarySuggestion(local: string, domain: string): string | undefined {
  const found = run({
    email: `${local}@${domain}`,
    domains: PROVIDERS,
    topLevelDomains: TLDS,
    secondLevelDomains: MULTI_TLD_NAMES,
  });
  return found !== undefined && plausible(domain, found.domain) ? found.domain : undefined;
}

const fixTld = (domain: string): string => TLD_TYPOS.reduce((d, [re, to]) => d.replace(re, to), domain);

/** The domain `local@domain` most likely meant; `domain` itself when nothing better is believable. */
function bestDomain(local: string, domain: string): string {
  const fixed = fixTld(domain);
  const home = HOME.get(fixed.split('.')[0] ?? '');
  if (home !== undefined) return home;
  if (PROVIDER_SET.has(fixed)) return fixed;
  const suggestion = librarySuggestion(local, fixed);
  return suggestion === undefined ? fixed : fixTld(suggestion);
}

/**
 * The corrected address when the domain of `email` looks like a typo of a common provider, or ends in a
 * mistyped `.com` / `.net`; undefined when it looks right, is merely unusual, or is not an address. The
 * local part is kept as written, the domain is compared case-insensitively. Never throws.
 */
export function suggestEmail(email: string): string | undefined {
  try {
    const trimmed = email.trim();
    const at = trimmed.lastIndexOf('@');
    const local = trimmed.slice(0, at);
    const domain = trimmed.slice(at + 1).toLowerCase();
    if (at <= 0 || !EMAIL_RE.test(`${local}@${domain}`)) return undefined;
    const best = bestDomain(local, domain);
    return best === domain ? undefined : `${local}@${best}`;
  } catch {
    return undefined;
  }
}
