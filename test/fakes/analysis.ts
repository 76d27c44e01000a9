import type { MessageAnalysis } from '../../src/protocol/index.ts';

/** A neutral analysis; tests override what matters. */
export function analysis(over: Partial<MessageAnalysis> = {}): MessageAnalysis {
  return {
    language: 'es',
    languageConfidence: 0.9,
    fields: {},
    urgency: 0,
    sentiment: 0,
    spamScore: 0,
    buyingSignals: 0,
    greetingOnly: false,
    farewell: false,
    wantsHuman: false,
    ...over,
  };
}
