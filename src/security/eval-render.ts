/** The text rendering of `npm run eval:security`. */
import type { SubsetReport } from './eval-metrics.ts';

/** Latency figures of the detector over the corpus, in microseconds. */
export interface EvalTiming {
  meanMicros: number;
  p50Micros: number;
  p99Micros: number;
  maxMicros: number;
}

/** What the text report shows. */
export interface EvalSummary {
  items: number;
  files: number;
  unreadable: number;
  maxFpr: number;
  thresholds: { block: number; flag: number };
  subsets: readonly SubsetReport[];
  bySource: readonly (SubsetReport & { atOverall: { recall: number; fpr: number } })[];
  timing: EvalTiming;
  /** Recall and FPR of "flagged or blocked" over the whole corpus. */
  all: { recall: number; fpr: number };
}

export const pct = (x: number): string => (Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)}%`);
export const num = (x: number): string => (Number.isNaN(x) ? '—' : x === -Infinity ? '-inf' : x.toFixed(3));

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '),
    )
    .join('\n');
}

function subsetTable(subsets: readonly SubsetReport[], fprLabel: string): string {
  const head = [
    'subset',
    'attacks',
    'benign',
    `recall@${fprLabel}FPR`,
    'threshold',
    'AUC',
    'block recall',
    'block FPR',
    'flag recall',
    'flag FPR',
  ];
  const row = (s: SubsetReport): string[] => [
    s.name,
    String(s.attacks),
    String(s.benign),
    pct(s.recallAt1Fpr.recall),
    num(s.recallAt1Fpr.threshold),
    num(s.auc),
    pct(s.block.recall),
    pct(s.block.fpr),
    pct(s.flag.recall),
    pct(s.flag.fpr),
  ];
  return table([head, ...subsets.map(row)]);
}

function sourceTable(bySource: EvalSummary['bySource']): string {
  return table([
    [
      'source',
      'attacks',
      'benign',
      'recall@thr',
      'FPR@thr',
      'block recall',
      'block FPR',
      'flag recall',
      'flag FPR',
    ],
    ...bySource.map((s) => [
      s.name,
      String(s.attacks),
      String(s.benign),
      pct(s.atOverall.recall),
      pct(s.atOverall.fpr),
      pct(s.block.recall),
      pct(s.block.fpr),
      pct(s.flag.recall),
      pct(s.flag.fpr),
    ]),
  ]);
}

/** The human-readable report, without the final line break. */
export function renderText(summary: EvalSummary): string {
  const { maxFpr, thresholds, subsets, timing, all } = summary;
  const fprLabel = `${(maxFpr * 100).toFixed(maxFpr < 0.01 ? 1 : 0)}%`;
  const out: string[] = [];
  out.push(
    `ThreatDetector evaluation: ${summary.items} items from ${summary.files} file(s); thresholds block ≥ ${thresholds.block}, flag ≥ ${thresholds.flag}`,
  );
  if (summary.unreadable > 0) out.push(`${summary.unreadable} unreadable line(s) skipped (listed on stderr)`);
  out.push('', subsetTable(subsets, fprLabel), '');
  const overallThr = subsets[0]?.recallAt1Fpr.threshold ?? NaN;
  out.push(
    `Per source (recall / FPR at the overall ${fprLabel}-FPR threshold ${num(overallThr)}, and at block / flag):`,
  );
  out.push(sourceTable(summary.bySource));
  out.push(
    '',
    `Latency per message: mean ${timing.meanMicros.toFixed(0)} µs, p50 ${timing.p50Micros.toFixed(0)} µs, p99 ${timing.p99Micros.toFixed(0)} µs, max ${timing.maxMicros.toFixed(0)} µs`,
    `Flagged or blocked overall: ${pct(all.recall)} of attacks, ${pct(all.fpr)} of benign messages.`,
  );
  return out.join('\n');
}
