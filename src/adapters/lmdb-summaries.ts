import type { Database } from 'lmdb';
import type { ConversationSummary, SummaryStore } from '../ports/summaries.ts';
import type { LmdbStore } from './lmdb-store.ts';

/** Conversation summaries in the store's LMDB environment (`summaries`: conversation id → summary). */
export class LmdbSummaryStore implements SummaryStore {
  private readonly db: Database<ConversationSummary, string>;

  constructor(store: LmdbStore) {
    this.db = store.database<ConversationSummary, string>('summaries');
  }

  get(conversationId: string): ConversationSummary | undefined {
    return this.db.get(conversationId);
  }

  async put(summary: ConversationSummary): Promise<void> {
    await this.db.put(summary.conversationId, summary);
  }
}
