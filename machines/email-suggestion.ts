/** The "did you mean …?" step for an email that looks like a typo of a common provider's. */
import type { MessageAnalysis } from '../src/protocol/index.ts';
import type { ConversationContext } from './conversation-types.ts';

/**
 * "ana@gmial.com": the typed address is kept and the likely one is offered ("¿quiso decir …?"); a
 * yes takes the suggestion, anything else (a no, another address) leaves the suggestion behind.
 */
export function emailSuggestionPatch(
  context: ConversationContext,
  analysis: MessageAnalysis,
  lead: ConversationContext['lead'],
): Partial<ConversationContext> {
  // Only while capturing: after registration a corrected address is simply taken.
  // The same address typed again after the question: they mean it as written.
  const insists = analysis.fields.email !== undefined && analysis.fields.email === context.lead.email?.value;
  if (analysis.emailSuggestion !== undefined && context.leadId === undefined && !insists)
    return { emailSuggestion: analysis.emailSuggestion };
  const pending = context.emailSuggestion;
  if (pending === undefined) return {};
  if (analysis.affirms === true && !analysis.fields.email)
    return {
      emailSuggestion: undefined,
      lead: { ...lead, email: { value: pending, turn: context.turn } },
      newlyCaptured: [...new Set([...(context.newlyCaptured ?? []), 'email' as const])],
    };
  return { emailSuggestion: undefined };
}
