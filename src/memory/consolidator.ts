import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { analyseMessage } from '../nlu/analyse.ts';
import { summariseProblem } from '../nlu/summary.ts';
import type { SummaryRequest } from '../ports/chat-model.ts';
import type { HistoryEntry, Store } from '../ports/store.ts';
import type { ConversationSummary, SummaryStore } from '../ports/summaries.ts';
import type { Language, LeadField } from '../protocol/index.ts';

/** The summary port lives in src/ports/summaries.ts; re-exported for existing importers. */
export type { ConversationSummary, SummaryStore };

/** Longest summary kept, in characters. */
export const MAX_SUMMARY_CHARS = 900;

const LABELS: Record<Language, Record<LeadField, string> & { need: string; asked: string }> = {
  es: {
    need: 'Necesidad',
    name: 'nombre',
    email: 'correo',
    phone: 'teléfono',
    company: 'empresa',
    problem: 'problema',
    asked: 'Lo último que preguntó el asistente',
  },
  en: {
    need: 'Need',
    name: 'name',
    email: 'email',
    phone: 'phone',
    company: 'company',
    problem: 'problem',
    asked: 'The assistant last asked',
  },
};

/**
 * The built-in extractive summary: the person's needs (deduplicated need snippets), the details they
 * gave, and the assistant's last open question, optionally on top of an earlier summary. Deterministic.
 */
export function extractiveSummary(
  lines: readonly Pick<HistoryEntry, 'role' | 'text'>[],
  language: Language,
  previous?: string,
): string {
  const needs: string[] = [];
  const given = new Map<LeadField, string>();
  let lastQuestion: string | undefined;
  for (const line of lines) {
    if (line.role === 'user') {
      const a = analyseMessage(line.text, {
        expecting: [],
        defaultLanguage: language,
        previousLanguage: language,
      });
      if (a.need) needs.push(a.need);
      for (const [field, value] of Object.entries(a.fields) as [LeadField, string][]) {
        if (field !== 'problem' && value) given.set(field, value);
      }
    } else {
      const question = line.text
        .match(/[^.!?\n]*\?/gu)
        ?.at(-1)
        ?.trim();
      if (question) lastQuestion = question;
    }
  }
  const l = LABELS[language];
  const parts: string[] = [];
  if (previous) parts.push(previous);
  const need = summariseProblem(needs, language);
  if (need) parts.push(`${l.need}: ${need}`);
  if (given.size > 0)
    parts.push(
      `${[...given].map(([field, value]) => `${l[field]}: ${value}`).join('; ')}.`.replace(/^./u, (c) =>
        c.toUpperCase(),
      ),
    );
  if (lastQuestion) parts.push(`${l.asked}: "${lastQuestion}"`);
  return clip(parts.join(' '), MAX_SUMMARY_CHARS);
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // Keep the newest part: an older summary is the first thing to give way.
  return `…${text.slice(text.length - max + 1)}`;
}

export interface ConsolidatorOptions {
  store: Store;
  summaries: SummaryStore;
  log: Logger;
  /** The LLM summariser when one is configured; the extractive summary otherwise or when it fails. */
  summarise?: (request: SummaryRequest, signal: AbortSignal) => Promise<string>;
  /** Turns kept verbatim at the end of the context. */
  keepRecentTurns: number;
  /** Summarise once this many turns beyond `keepRecentTurns` are not covered by a summary. */
  everyTurns: number;
  timeoutMs: number;
  now: () => number;
}

/**
 * MemoryConsolidator: keeps a rolling summary of the older part of long conversations so the model's
 * context holds the essentials without growing. Runs after turns, off the turn's path, one at a time
 * per conversation; it only writes summaries (never the conversation's state).
 */
export class MemoryConsolidator {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly options: ConsolidatorOptions) {}

  /** Starts a consolidation when the conversation has outgrown its summary; never rejects. */
  maybeConsolidate(conversationId: string, turn: number, language: Language): Promise<void> {
    const covered = this.options.summaries.get(conversationId)?.upToTurn ?? 0;
    if (turn - covered < this.options.keepRecentTurns + this.options.everyTurns) return Promise.resolve();
    if (this.running.has(conversationId)) return this.running.get(conversationId)!;
    const job = this.consolidate(conversationId, turn - this.options.keepRecentTurns, language)
      .catch((error: unknown) =>
        this.options.log.warn(
          { conversationId, err: errorMessage(error) },
          'memory consolidation failed; retried later',
        ),
      )
      .finally(() => this.running.delete(conversationId));
    this.running.set(conversationId, job);
    return job;
  }

  /** Waits for consolidations in flight (shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  private async consolidate(conversationId: string, upToTurn: number, language: Language): Promise<void> {
    const previous = this.options.summaries.get(conversationId);
    const from = previous?.upToTurn ?? 0;
    // Enough lines to cover the turns to summarise (two or more lines a turn).
    const history = await this.options.store.getHistory(conversationId, (upToTurn - from + 2) * 6 + 50);
    const lines = history.filter((h) => h.turn > from && h.turn <= upToTurn);
    if (lines.length === 0) return;
    let text: string | undefined;
    let by: ConversationSummary['by'] = 'extractive';
    if (this.options.summarise) {
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new Error('summary timed out')),
        this.options.timeoutMs,
      );
      try {
        const request: SummaryRequest = {
          conversationId,
          language,
          lines: lines.map((l) => ({ role: l.role, text: l.text })),
          maxChars: MAX_SUMMARY_CHARS,
        };
        if (previous) request.previous = previous.text;
        const written = (await this.options.summarise(request, controller.signal)).trim();
        if (written) {
          text = clip(written, MAX_SUMMARY_CHARS);
          by = 'llm';
        }
      } catch (error) {
        this.options.log.info(
          { conversationId, err: errorMessage(error) },
          'LLM summary unavailable; extractive summary',
        );
      } finally {
        clearTimeout(timer);
      }
    }
    text ??= extractiveSummary(lines, language, previous?.text);
    await this.options.summaries.put({ conversationId, upToTurn, text, by, at: this.options.now() });
    this.options.log.debug({ conversationId, upToTurn, by }, 'conversation memory consolidated');
  }
}
