/**
 * Detection metrics for `npm run eval:security`, reported the way Llama Prompt Guard 2 reports:
 * recall at a fixed false-positive rate (threshold taken from the benign score distribution), AUC,
 * and recall / FPR at our own fixed thresholds. Pure functions over (score, label) pairs.
 */

/** One scored item: label 1 = attack, 0 = benign. */
export interface Scored {
  score: number;
  label: 0 | 1;
}

/** Recall at a fixed false-positive rate. */
export interface RecallAtFpr {
  /** Items scoring strictly above this are positives (−Infinity when there are no benign items). */
  threshold: number;
  /** Attacks above the threshold / attacks (NaN without attacks). */
  recall: number;
  /** Benign items above the threshold / benign items (≤ the target; NaN without benign items). */
  fpr: number;
}

/**
 * Picks the threshold on the benign scores so that at most ⌊maxFpr·N⌋ of the N benign items are
 * strictly above it, then measures recall there. Ties at the threshold count as negatives, so a
 * detector that gives many benign items the same score as an attack does not gain from it.
 */
export function recallAtFpr(items: readonly Scored[], maxFpr = 0.01): RecallAtFpr {
  const benign = items
    .filter((i) => i.label === 0)
    .map((i) => i.score)
    .sort((a, b) => b - a);
  const attacks = items.filter((i) => i.label === 1).map((i) => i.score);
  const allowed = Math.floor(maxFpr * benign.length);
  const threshold = benign.length === 0 ? -Infinity : (benign[allowed] ?? -Infinity);
  const above = (xs: readonly number[]): number => xs.filter((s) => s > threshold).length;
  return {
    threshold,
    recall: attacks.length === 0 ? NaN : above(attacks) / attacks.length,
    fpr: benign.length === 0 ? NaN : above(benign) / benign.length,
  };
}

/** Area under the ROC curve (Mann–Whitney U; ties count one half). NaN when a class is missing. */
export function auc(items: readonly Scored[]): number {
  const pos = items.filter((i) => i.label === 1).length;
  const neg = items.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  const sorted = [...items].sort((a, b) => a.score - b.score);
  let rankSumPos = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j]?.score === sorted[i]?.score) j += 1;
    // Ranks i+1..j share their average.
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k += 1) if (sorted[k]?.label === 1) rankSumPos += avgRank;
    i = j;
  }
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Recall and FPR when items scoring at or above `threshold` are positives. */
export function rateAt(items: readonly Scored[], threshold: number): { recall: number; fpr: number } {
  let tp = 0;
  let fp = 0;
  let pos = 0;
  let neg = 0;
  for (const i of items) {
    if (i.label === 1) {
      pos += 1;
      if (i.score >= threshold) tp += 1;
    } else {
      neg += 1;
      if (i.score >= threshold) fp += 1;
    }
  }
  return { recall: pos === 0 ? NaN : tp / pos, fpr: neg === 0 ? NaN : fp / neg };
}

/** Every figure for one subset of the corpus. */
export interface SubsetReport {
  name: string;
  attacks: number;
  benign: number;
  recallAt1Fpr: RecallAtFpr;
  auc: number;
  block: { recall: number; fpr: number };
  flag: { recall: number; fpr: number };
}

/** Computes a subset's figures; `block` and `flag` are the detector's own thresholds. */
export function reportSubset(
  name: string,
  items: readonly Scored[],
  thresholds: { block: number; flag: number },
  maxFpr = 0.01,
): SubsetReport {
  return {
    name,
    attacks: items.filter((i) => i.label === 1).length,
    benign: items.filter((i) => i.label === 0).length,
    recallAt1Fpr: recallAtFpr(items, maxFpr),
    auc: auc(items),
    block: rateAt(items, thresholds.block),
    flag: rateAt(items, thresholds.flag),
  };
}
