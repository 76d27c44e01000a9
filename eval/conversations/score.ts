/** Scores simulated conversations against their personas' expectations and formats the table. */

import type { ConversationResult, Persona, Split } from './types.ts';

const fold = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const squash = (s: string): string => fold(s).replace(/[^\p{L}\p{N}@]+/gu, '');

export const FIELDS = [
  'name',
  'email',
  'company',
  'interest_area',
  'urgency_level',
  'qualification',
  'problem',
] as const;
export type ScoredField = (typeof FIELDS)[number];

export interface Score {
  id: string;
  split: Split;
  lang: string;
  kind: string;
  /** The outcome the persona expects: a lead, or none (spam, injection). */
  leadOk: boolean;
  complete: boolean;
  fully: boolean;
  /** true / false per scored field; absent when the persona does not score it. */
  fields: Partial<Record<ScoredField, boolean>>;
  formatViolations: string[];
  turnsToComplete: number | undefined;
}

const ES_HINTS = new Set(
  'el la los las de que y en un una por para con su le se lo es está nos puede podemos usted gracias correo su nombre empresa'.split(
    ' ',
  ),
);
const EN_HINTS = new Set(
  'the and to of a in is you your we our for with can could please thanks email name company us'.split(' '),
);

/** Rules every reply keeps (DESIGN.md reply format), checked from the outside. */
export function formatViolations(reply: string, lang: string): string[] {
  const out: string[] = [];
  if (reply.split(/\n\s*\n/u).filter((p) => p.trim()).length > 2) out.push('more than two paragraphs');
  if ((reply.match(/\?/gu) ?? []).length > 1) out.push('more than one question');
  if (reply.length > 700) out.push('longer than 700 characters');
  if (/\((?:fuente|source)s?:/iu.test(reply)) out.push('source tag in the bubble');
  if (/\*\*|^#{1,6}\s|```/mu.test(reply)) out.push('markdown');
  if (/\p{Extended_Pictographic}/u.test(reply)) out.push('emoji on REST');
  const words = fold(reply).match(/[\p{L}]+/gu) ?? [];
  for (let i = 0; i + 5 <= words.length; i += 1) {
    const shingle = words.slice(i, i + 5).join(' ');
    if (
      words
        .slice(i + 5)
        .join(' ')
        .includes(shingle)
    ) {
      out.push(`repeated clause "${shingle}"`);
      break;
    }
  }
  if (words.length >= 6) {
    const es = words.filter((w) => ES_HINTS.has(w)).length;
    const en = words.filter((w) => EN_HINTS.has(w)).length;
    if ((lang === 'es' && en > es + 1) || (lang === 'en' && es > en + 1)) out.push('wrong language');
  }
  return out;
}

function problemCovers(statement: string, groups: readonly string[][]): boolean {
  const t = fold(statement);
  return groups.every((g) => g.some((stem) => t.includes(fold(stem))));
}

export function scoreConversation(r: ConversationResult): Score {
  const p: Persona = r.persona;
  const e = p.expect;
  const lead = r.lead;
  const isLead = lead !== undefined && lead.qualification !== 'spam';
  // Someone who would rather be called is registered as `partial` with their phone (issue 13, §5).
  const complete =
    lead !== undefined && (lead.status !== 'partial' || (e.email === undefined && lead.phone !== null));
  const fields: Partial<Record<ScoredField, boolean>> = {};
  if (e.lead) {
    if (e.name !== undefined) fields.name = lead?.name != null && squash(lead.name) === squash(e.name);
    if (e.email !== undefined) fields.email = lead?.email?.toLowerCase() === e.email.toLowerCase();
    if (e.company !== undefined) {
      fields.company =
        e.company === null
          ? lead !== undefined && lead.company === null
          : lead?.company != null && squash(lead.company) === squash(e.company);
    }
    if (e.interest_area) fields.interest_area = lead?.interest_area === e.interest_area;
    if (e.urgency_level) fields.urgency_level = lead?.urgency_level === e.urgency_level;
    if (e.qualification) fields.qualification = lead?.qualification === e.qualification;
    if (e.problem_covers?.length)
      fields.problem = lead !== undefined && problemCovers(lead.problem_statement, e.problem_covers);
  }
  const leadOk = e.lead ? isLead : !isLead;
  const fully = e.lead ? isLead && complete && Object.values(fields).every(Boolean) : leadOk;
  const formatViolationsFound = r.transcript.flatMap((x) =>
    x.replies.flatMap((reply) => formatViolations(reply, p.lang)),
  );
  if (r.errors.length > 0) formatViolationsFound.push(...r.errors.map((m) => `error: ${m}`));
  return {
    id: p.id,
    split: r.split,
    lang: p.lang,
    kind: p.kind,
    leadOk,
    complete: e.lead ? complete : leadOk,
    fully,
    fields,
    formatViolations: formatViolationsFound,
    turnsToComplete: e.lead ? r.turnsToComplete : undefined,
  };
}

export interface Row {
  group: string;
  n: number;
  leadOk: number;
  complete: number;
  fully: number;
  field: Partial<Record<ScoredField, number>>;
  violations: number;
  turnsMedian: number | undefined;
  turnsP90: number | undefined;
}

function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const pct = (k: number, n: number): number => (n === 0 ? 0 : Math.round((1000 * k) / n) / 10);

export function summarise(group: string, scores: readonly Score[]): Row {
  const field: Partial<Record<ScoredField, number>> = {};
  for (const f of FIELDS) {
    const scored = scores.filter((s) => s.fields[f] !== undefined);
    if (scored.length > 0) field[f] = pct(scored.filter((s) => s.fields[f]).length, scored.length);
  }
  const turns = scores.flatMap((s) => (s.turnsToComplete === undefined ? [] : [s.turnsToComplete]));
  return {
    group,
    n: scores.length,
    leadOk: pct(scores.filter((s) => s.leadOk).length, scores.length),
    complete: pct(scores.filter((s) => s.complete).length, scores.length),
    fully: pct(scores.filter((s) => s.fully).length, scores.length),
    field,
    violations: scores.reduce((sum, s) => sum + s.formatViolations.length, 0),
    turnsMedian: quantile(turns, 0.5),
    turnsP90: quantile(turns, 0.9),
  };
}

/** Rows: all, then by language, then by kind. */
export function table(split: string, scores: readonly Score[]): Row[] {
  const rows = [summarise(`${split}: all`, scores)];
  const sources: [string, string][] = [
    ['d-', 'templated'],
    ['h-', 'hand-written'],
    ['h2-', 'hand-written 2'],
    ['h3-', 'hand-written 3'],
    ['t-', 'test 1'],
    ['t2-', 'test 2'],
  ];
  for (const [prefix, label] of sources) {
    const some = scores.filter((s) => s.id.startsWith(prefix));
    if (some.length > 0 && some.length < scores.length) rows.push(summarise(`${split}: ${label}`, some));
  }
  for (const lang of [...new Set(scores.map((s) => s.lang))].sort())
    rows.push(
      summarise(
        `${split}: ${lang}`,
        scores.filter((s) => s.lang === lang),
      ),
    );
  for (const kind of [...new Set(scores.map((s) => s.kind))].sort())
    rows.push(
      summarise(
        `  ${kind}`,
        scores.filter((s) => s.kind === kind),
      ),
    );
  return rows;
}

const SHORT: Record<ScoredField, string> = {
  name: 'name',
  email: 'email',
  company: 'comp',
  interest_area: 'area',
  urgency_level: 'urg',
  qualification: 'qual',
  problem: 'need',
};

export function formatTable(rows: readonly Row[]): string {
  const head = [
    'group',
    'n',
    'lead',
    'compl',
    'fully',
    ...FIELDS.map((f) => SHORT[f]),
    'fmt',
    'turns p50/p90',
  ];
  const lines = rows.map((r) => [
    r.group,
    String(r.n),
    `${r.leadOk}`,
    `${r.complete}`,
    `${r.fully}`,
    ...FIELDS.map((f) => (r.field[f] === undefined ? '-' : `${r.field[f]}`)),
    String(r.violations),
    `${r.turnsMedian ?? '-'}/${r.turnsP90 ?? '-'}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}
