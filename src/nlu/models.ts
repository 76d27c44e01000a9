/**
 * The trained models of the built-in NLU: interest area and urgency, learned from the labelled
 * es/en corpus in `corpus/utterances.json` (the evaluation's test split is never part of it).
 * Trained once per process on first use; `warmUpModels()` lets the runtime pay that at start.
 */

import { readFileSync } from 'node:fs';
import type { InterestArea, UrgencyLevel } from '../protocol/index.ts';
import { train, type Classifier } from './classifier.ts';

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

/** The shipped training corpus. */
export function trainingCorpus(): readonly Utterance[] {
  corpus ??= JSON.parse(
    readFileSync(new URL('./corpus/utterances.json', import.meta.url), 'utf8'),
  ) as Utterance[];
  return corpus;
}

/** Interest area of one message, or `none` when it names no topic. */
export function areaModel(): Classifier<AreaLabel> {
  area ??= train(
    AREA_LABELS,
    trainingCorpus().map((u) => ({ text: u.text, label: u.area })),
    OPTIONS,
  );
  return area;
}

/** Urgency of one message (business impact and tone). */
export function urgencyModel(): Classifier<UrgencyLevel> {
  urgency ??= train(
    URGENCY_LABELS,
    trainingCorpus().map((u) => ({ text: u.text, label: u.urgency })),
    OPTIONS,
  );
  return urgency;
}

/** Trains both models now (at start) instead of on the first message. */
export function warmUpModels(): void {
  areaModel();
  urgencyModel();
}
