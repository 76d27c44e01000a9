/**
 * The trained models of the built-in NLU: interest area, urgency, problem-or-request and spam,
 * learned from the labelled es/en corpus in `corpus/` (written blind to the rules against
 * docs/evaluation.md's rubric; the evaluation's test split is never in it). Trained once per
 * process on first use; `warmUpModels()` lets the runtime pay that at start.
 */

import { readFileSync } from 'node:fs';
import type { InterestArea, UrgencyLevel } from '../protocol/index.ts';
import { features, train, type Classifier } from './classifier.ts';

export type AreaLabel = InterestArea | 'none';

interface Utterance {
  text: string;
  lang: 'es' | 'en';
  area: AreaLabel;
  urgency: UrgencyLevel;
}

const AREA_LABELS: readonly AreaLabel[] = ['Ventas', 'Soporte', 'Facturación', 'Otro', 'none'];
const URGENCY_LABELS: readonly UrgencyLevel[] = ['Bajo', 'Medio', 'Alto'];
const OPTIONS = { epochs: 20, learningRate: 0.6, l2: 1e-3, balanced: true };

let corpus: Utterance[] | undefined;
let area: Classifier<AreaLabel> | undefined;
let urgency: Classifier<UrgencyLevel> | undefined;
let problem: Classifier<ProblemLabel> | undefined;
let spam: Classifier<SpamLabel> | undefined;

export type SpamLabel = 'spam' | 'ham';

/** For support and billing messages: something is wrong (Medio or Alto) or a routine request (Bajo). */
export type ProblemLabel = 'problem' | 'request';

const CORPUS_FILES = [
  './corpus/utterances.json',
  './corpus/utterances-rubric.json',
  './corpus/utterances-hard.json',
  './corpus/utterances-areas.json',
];

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as T;
}

/**
 * The four models train on largely the same texts: their features are computed once and shared
 * while they train (`warmUpModels` drops the memo afterwards).
 */
const featureMemo = new Map<string, readonly string[]>();
function memoFeatures(text: string): readonly string[] {
  let f = featureMemo.get(text);
  if (f === undefined) featureMemo.set(text, (f = features(text)));
  return f;
}
const TRAIN = { ...OPTIONS, featuresOf: memoFeatures };

/** The shipped training corpus; a text in both files keeps the later file's labels. */
export function trainingCorpus(): readonly Utterance[] {
  if (!corpus) {
    const byText = new Map<string, Utterance>();
    for (const file of CORPUS_FILES)
      for (const u of readJson<Utterance[]>(file)) byText.set(u.text.trim().toLowerCase(), u);
    corpus = [...byText.values()];
  }
  return corpus;
}

function trainOn<L extends string>(labels: readonly L[], labelOf: (u: Utterance) => L): Classifier<L> {
  return train(
    labels,
    trainingCorpus().map((u) => ({ text: u.text, label: labelOf(u) })),
    TRAIN,
  );
}

/** Interest area of one message, or `none` when it names no topic. */
export function areaModel(): Classifier<AreaLabel> {
  area ??= trainOn(AREA_LABELS, (u) => u.area);
  return area;
}

/** Urgency of one message (business impact and tone). */
export function urgencyModel(): Classifier<UrgencyLevel> {
  urgency ??= trainOn(URGENCY_LABELS, (u) => u.urgency);
  return urgency;
}

/**
 * Whether a support or billing message tells of something wrong ("me cobraron dos veces") or asks
 * for something routine ("una copia de la factura", "how do I add a user"): trained on the corpus's
 * support and billing utterances only, so it need not also tell a buyer from a problem.
 */
export function problemModel(): Classifier<ProblemLabel> {
  problem ??= train(
    ['problem', 'request'] as const,
    trainingCorpus()
      .filter((u) => u.area === 'Soporte' || u.area === 'Facturación')
      .map((u) => ({
        text: u.text,
        label: u.urgency === 'Bajo' ? ('request' as const) : ('problem' as const),
      })),
    TRAIN,
  );
  return problem;
}

/** `corpus/spam.json`: spam written blind (offers, scams, romance, phishing, gibberish) and hard ham. */
function spamCorpus(): { spam: string[]; ham: string[] } {
  return readJson<{ spam: string[]; ham: string[] }>('./corpus/spam.json');
}

/**
 * Spam or a genuine message: trained on the spam corpus against its hard ham and every business
 * utterance of the main corpus (what prospects and customers really write).
 */
export function spamModel(): Classifier<SpamLabel> {
  if (!spam) {
    const { spam: bad, ham } = spamCorpus();
    spam = train(
      ['spam', 'ham'] as const,
      [
        ...bad.map((text) => ({ text, label: 'spam' as const })),
        ...[...ham, ...trainingCorpus().map((u) => u.text)].map((text) => ({ text, label: 'ham' as const })),
      ],
      TRAIN,
    );
  }
  return spam;
}

/** Trains the models now (at start) instead of on the first message. */
export function warmUpModels(): void {
  areaModel();
  urgencyModel();
  problemModel();
  spamModel();
  featureMemo.clear();
}
