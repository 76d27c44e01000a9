/**
 * A small text classifier: multinomial logistic regression over character n-grams (3–5, within
 * words, on folded text) and word unigrams/bigrams. Character n-grams carry "caido", "caida" and a
 * typo'd "caidoo" alike, and Spanglish needs no language switch. Trained deterministically (full
 * batch gradient descent, L2) on the labelled corpus the project ships (`src/nlu/corpus/`), lazily
 * on first use (≈ 100–200 ms once per process). Why not `@nlpjs`: its classifier works on stemmed
 * words per language, so typos, missing accents and code-switching — what prospects actually type —
 * fall outside its vocabulary; n-gram features handle them with no language step.
 */

import { fold } from './text.ts';

const MAX_CHARS = 2000;

/** The features of one text (deduplicated; a feature either occurs or does not). */
export function features(text: string): string[] {
  const words = fold(text.slice(0, MAX_CHARS)).match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = new Set<string>();
  for (let i = 0; i < words.length; i += 1) {
    const w = words[i] as string;
    out.add(`w:${w}`);
    if (i + 1 < words.length) out.add(`b:${w} ${words[i + 1]}`);
    const padded = ` ${w} `;
    for (let n = 3; n <= 5; n += 1) {
      for (let j = 0; j + n <= padded.length; j += 1) out.add(`c:${padded.slice(j, j + n)}`);
    }
  }
  return [...out];
}

export interface Example<L extends string> {
  text: string;
  label: L;
}

export interface TrainOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  /** Weigh each example by the inverse of its label's frequency, so rare labels are not drowned. */
  balanced?: boolean;
  /** How a text becomes features (default `features`; a memo lets several models share the work). */
  featuresOf?: (text: string) => readonly string[];
}

/** A trained model: `predict` gives a probability per label (they sum to 1). */
export interface Classifier<L extends string> {
  readonly labels: readonly L[];
  predict(text: string): Record<L, number>;
  /** The most likely label and its probability. */
  top(text: string): { label: L; p: number };
}

function softmax(scores: Float64Array): Float64Array {
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let k = 0; k < scores.length; k += 1) {
    out[k] = Math.exp((scores[k] as number) - max);
    sum += out[k] as number;
  }
  for (let k = 0; k < out.length; k += 1) out[k] = (out[k] as number) / sum;
  return out;
}

/** Fisher–Yates with a fixed seed (mulberry32): the same data always trains the same model. */
function shuffle<T>(items: T[]): void {
  let seed = 0x2f6b_1d3a;
  const next = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

/** Trains a classifier on `examples` over `labels` (deterministic: same data, same model). */
export function train<L extends string>(
  labels: readonly L[],
  examples: readonly Example<L>[],
  options: TrainOptions = {},
): Classifier<L> {
  const { epochs = 60, learningRate = 0.5, l2 = 1e-4, balanced = false, featuresOf = features } = options;
  const vocab = new Map<string, number>();
  const rows = examples.map((e) => {
    const ids = featuresOf(e.text).map((f) => {
      let id = vocab.get(f);
      if (id === undefined) vocab.set(f, (id = vocab.size));
      return id;
    });
    return { ids, y: labels.indexOf(e.label) };
  });
  // Stochastic gradient descent sees the examples in a fixed pseudo-random order: in file order the
  // last class written would pull every weight its way at the end of each epoch.
  shuffle(rows);
  const K = labels.length;
  const counts = labels.map((_, k) => rows.filter((r) => r.y === k).length);
  const classWeight = counts.map((c) => (balanced && c > 0 ? rows.length / (K * c) : 1));
  const weights = new Float64Array(vocab.size * K);
  const bias = new Float64Array(K);
  const scoreOf = (ids: readonly number[]): Float64Array => {
    const s = Float64Array.from(bias);
    const scale = 1 / Math.sqrt(Math.max(1, ids.length));
    for (const id of ids)
      for (let k = 0; k < K; k += 1) s[k] = (s[k] as number) + (weights[id * K + k] as number) * scale;
    return s;
  };
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    const rate = learningRate / (1 + epoch * 0.05);
    for (const { ids, y } of rows) {
      const p = softmax(scoreOf(ids));
      const scale = 1 / Math.sqrt(Math.max(1, ids.length));
      const w = classWeight[y] ?? 1;
      for (let k = 0; k < K; k += 1) {
        const g = w * ((p[k] as number) - (k === y ? 1 : 0));
        bias[k] = (bias[k] as number) - rate * g * 0.1;
        for (const id of ids) {
          const i = id * K + k;
          weights[i] = (weights[i] as number) - rate * (g * scale + l2 * (weights[i] as number));
        }
      }
    }
  }
  const predict = (text: string): Record<L, number> => {
    const ids = features(text).flatMap((f) => {
      const id = vocab.get(f);
      return id === undefined ? [] : [id];
    });
    const p = softmax(scoreOf(ids));
    return Object.fromEntries(labels.map((l, k) => [l, p[k] as number])) as Record<L, number>;
  };
  return {
    labels,
    predict,
    top(text) {
      const p = predict(text);
      let best = labels[0] as L;
      for (const l of labels) if (p[l] > p[best]) best = l;
      return { label: best, p: p[best] };
    },
  };
}
