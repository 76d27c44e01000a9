/** What is kept of the older part of a long conversation. */
export interface ConversationSummary {
  conversationId: string;
  /** Every line of turns up to and including this one is covered by `text`. */
  upToTurn: number;
  text: string;
  by: 'llm' | 'extractive';
  /** Epoch ms. */
  at: number;
}

/** Where summaries live (LMDB `summaries` in production; a Map in unit tests). */
export interface SummaryStore {
  get(conversationId: string): ConversationSummary | undefined;
  put(summary: ConversationSummary): Promise<void>;
}
