/**
 * The output guard: what the configured model wrote is checked before it reaches the person. A model
 * that follows an injected instruction can leak the system prompt verbatim, spelled out, encoded,
 * reversed or translated, dump the conversation's internal state, or promise on the company's behalf
 * what nobody offered (a discount, a guarantee in writing). Each of those is refused here; the
 * built-in model answers instead. Checks are linear in the reply's length and never log its text.
 */
import { promptLeak } from './canary.ts';
import { decodeChunks } from './normalize/decode.ts';
import { commitmentIn } from './output-commitments.ts';
import { foldAccents } from './normalize/fold.ts';

/** Why a reply was refused. */
export type OutputRefusal =
  | 'prompt_leak'
  | 'encoded_prompt_leak'
  | 'translated_prompt_leak'
  | 'internal_terms'
  | 'internal_state'
  | 'unauthorised_commitment';

/** What the guard compares a reply with. */
export interface OutputGuardInput {
  /** The system prompt the model was sent, and the same prompt in the other language(s). */
  prompts: readonly string[];
  canary?: string | undefined;
  /** Text the model was given this turn (tool results, facts): an offer found there is allowed. */
  evidence?: readonly string[];
}

/** Letters in a row shared with the prompt that count as copying it (about eight words). */
const WINDOW = 24;
/** Reply positions whose window appears in the prompt, from which a reply copies it. */
const COPIED_WINDOWS = 16;
/** Distinct prompt words a translation must share with the prompt's version in its language… */
const TRANSLATED_WORDS = 12;
/** …and the share of the reply's own words they must make up. */
const TRANSLATED_SHARE = 0.4;

/**
 * Names only the machinery uses (tools, state keys, intents): a reply to a prospect never says them,
 * in any language, so they survive a translation of the prompt or a dump of the state.
 */
const INTERNAL_TERMS =
  /\b(?:save_temp_lead_data|search_product_catalog|get_pricing_tier|product_kb|CONVERSATION_STATE_JSON|tenantId|conversationId|leadId|newlyCaptured|userText|invalidEmail|suggestedEmail|contactVia|expectedMinutes|interest_area|urgency_level|problem_statement|ask_fields|confirm_lead|confirm_ticket|confirm_human_handoff|closed_followup|handoff_pending|reask_email|reassure_field|spam_ack)\b/u;

/** A JSON object or array of objects in the text (`{"name": …`), the shape of a state dump. */
const JSON_OBJECT = /[{[]\s*"[^"\n]{1,60}"\s*:\s*["{[\d\-tfn]/u;

/** Short words that every text shares and that say nothing about the prompt. */
const COMMON = new Set(
  'that this with from they them their have will what when your about para como pero esta este estos estas sobre cada solo sola tiene tienen puede pueden desde hasta donde cuando nunca never only also more most such some than then there these those which would could should persona person'.split(
    ' ',
  ),
);

interface PromptIndex {
  windows: Set<string>;
  words: Set<string>;
}

const indexCache = new Map<string, PromptIndex>();
const INDEX_CACHE_MAX = 256;

/** Folded letters only: spacing, dashes, dots and case are gone ("N-u-n-c-a" → "nunca"). */
function lettersOf(text: string): string {
  return foldAccents(text.toLowerCase()).replace(/[^\p{L}]+/gu, '');
}

function wordsOf(text: string): string[] {
  return (foldAccents(text.toLowerCase()).match(/\p{L}{4,}/gu) ?? []).filter((w) => !COMMON.has(w));
}

/** The prompt without its state line (the brief's JSON changes every turn and holds the person's words). */
function promptBody(prompt: string): string {
  const at = prompt.lastIndexOf('\nCONVERSATION_STATE_JSON:');
  return at < 0 ? prompt : prompt.slice(0, at);
}

function indexOf(prompt: string): PromptIndex {
  const body = promptBody(prompt);
  const cached = indexCache.get(body);
  if (cached) return cached;
  const letters = lettersOf(body);
  const windows = new Set<string>();
  for (let i = 0; i + WINDOW <= letters.length; i++) windows.add(letters.slice(i, i + WINDOW));
  const index = { windows, words: new Set(wordsOf(body)) };
  if (indexCache.size >= INDEX_CACHE_MAX) indexCache.delete(indexCache.keys().next().value!);
  indexCache.set(body, index);
  return index;
}

/** How many of the text's letter windows appear in the prompt. */
function copiedWindows(text: string, index: PromptIndex): number {
  const letters = lettersOf(text);
  let copied = 0;
  for (let i = 0; i + WINDOW <= letters.length; i++)
    if (index.windows.has(letters.slice(i, i + WINDOW))) copied++;
  return copied;
}

/** True when the text's own words are mostly the prompt's (a translation keeps the meaning words). */
function sharesVocabulary(text: string, index: PromptIndex): boolean {
  const own = new Set(wordsOf(text));
  let shared = 0;
  for (const w of own) if (index.words.has(w)) shared++;
  return shared >= TRANSLATED_WORDS && shared / own.size >= TRANSLATED_SHARE;
}

/** The ways a reply can hide a copy: as written, reversed, and every encoded chunk decoded. */
function viewsOf(reply: string): { text: string; encoded: boolean }[] {
  const views = [
    { text: reply, encoded: false },
    { text: [...reply].reverse().join(''), encoded: true },
  ];
  for (const chunk of decodeChunks(reply)) views.push({ text: chunk.text, encoded: true });
  return views;
}

function leakIn(reply: string, input: OutputGuardInput): OutputRefusal | undefined {
  const indexes = input.prompts.map(indexOf);
  for (const view of viewsOf(reply)) {
    if (promptLeak(view.text, input.canary)) return view.encoded ? 'encoded_prompt_leak' : 'prompt_leak';
    for (const index of indexes)
      if (copiedWindows(view.text, index) >= COPIED_WINDOWS)
        return view.encoded ? 'encoded_prompt_leak' : 'prompt_leak';
    if (INTERNAL_TERMS.test(view.text)) return 'internal_terms';
  }
  if (indexes.some((index) => sharesVocabulary(reply, index))) return 'translated_prompt_leak';
  return undefined;
}

/** Why `reply` must not reach the person, or undefined when it may. */
export function checkReply(reply: string, input: OutputGuardInput): OutputRefusal | undefined {
  const leak = leakIn(reply, input);
  if (leak) return leak;
  if (JSON_OBJECT.test(reply)) return 'internal_state';
  if (commitmentIn(reply, input.evidence ?? [])) return 'unauthorised_commitment';
  return undefined;
}
