/**
 * Drives one simulated prospect through a running leadbot over the REST channel (the HTTP path a
 * user calls) and reads the lead back through the admin API. The persona answers what the bot asks
 * (it reads the bot's questions, not the bot's internals); when the bot asks nothing it can answer,
 * it says its next scripted line or volunteers the next fact it has not given.
 */

import type { ConversationResult, Exchange, LeadView, Persona, PersonaAnswers, Split } from './types.ts';

export interface Target {
  url: string;
  adminToken: string;
  tenant: string;
}

type Ask = 'need' | 'name' | 'email' | 'company' | 'phone' | 'confirm';

const ASK_PATTERNS: [Ask, RegExp][] = [
  ['confirm', /quiso decir|quis[oe] escribir|did you mean|do you mean/iu],
  ['email', /correo|e-?mail|mail\b|📩/iu],
  ['name', /nombre|c[oó]mo se llama|con qui[eé]n tengo|your name|who am i|may i have your name/iu],
  ['company', /empresa|compa[nñ][ií]a|negocio|organizaci[oó]n|company|organi[sz]ation|business|firm\b/iu],
  ['phone', /tel[eé]fono|whatsapp|celular|m[oó]vil|phone|mobile/iu],
  [
    'need',
    /en qu[eé] (?:le |les |te )?(?:podemos|puedo|podr[ií]amos)|qu[eé] (?:necesita|busca|le trae)|cu[eé]nteme|me cuenta|m[aá]s detalles|how can (?:we|i) help|what (?:do you need|are you looking|can we do|brings you)|tell (?:me|us) (?:more|about|what)|more details/iu,
  ],
];

/** What the bot's questions (sentences with a question mark) ask for. */
export function detectAsks(reply: string): Ask[] {
  // Sentences end at ., ! or ? before a space or the end ("gmail.com?" is one sentence).
  const sentences = reply.split(/(?<=[.!?])\s+|\n+/u);
  const text = sentences.filter((s) => s.includes('?')).join(' ');
  return ASK_PATTERNS.filter(([, re]) => re.test(text)).map(([ask]) => ask);
}

const ORDER: (keyof PersonaAnswers)[] = ['need', 'name', 'email', 'company', 'phone'];

interface State {
  given: Set<string>;
  script: string[];
  refusedEmailOnce: boolean;
}

/** The persona's next message, or undefined when it has nothing more to say. */
function nextMessage(persona: Persona, reply: string, state: State, complete: boolean): string | undefined {
  const a = persona.answers;
  const parts: string[] = [];
  const asks = detectAsks(reply);
  // "Did you mean …@gmail.com?" is answered with a yes, not with the email again.
  for (const ask of asks.includes('confirm') ? (['confirm'] as const) : asks) {
    if (ask === 'confirm') {
      if (a.confirm) parts.push(a.confirm);
      continue;
    }
    if (ask === 'email' && a.refuse_email) {
      if (!state.refusedEmailOnce || !a.phone) parts.push(a.refuse_email);
      else parts.push(a.phone);
      state.refusedEmailOnce = true;
      state.given.add('email');
      continue;
    }
    const value = a[ask];
    // Asked again for something already given: people repeat it once, then stop.
    if (value && !(complete && state.given.has(ask))) {
      parts.push(value);
      state.given.add(ask);
    }
  }
  if (parts.length > 0) return [...new Set(parts)].join('. ');
  const scripted = state.script.shift();
  if (scripted !== undefined) return scripted;
  if (complete) return undefined;
  for (const field of ORDER) {
    const value = a[field];
    if (field === 'email' && a.refuse_email) continue;
    if (value && !state.given.has(field)) {
      state.given.add(field);
      return value;
    }
  }
  return undefined;
}

/** Resends after a 503 (the node was saturated, nothing accepted) as a REST client should. */
const MAX_RESENDS = 5;

async function say(target: Target, sender: string, message: string): Promise<string[]> {
  let res: Response;
  for (let attempt = 0; ; attempt++) {
    res = await fetch(`${target.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender, message }),
    });
    if (res.status !== 503 || attempt >= MAX_RESENDS) break;
    await res.body?.cancel();
    const retryAfterS = Number(res.headers.get('retry-after') ?? 1);
    await new Promise((resolve) =>
      setTimeout(resolve, 1000 * (Number.isFinite(retryAfterS) ? retryAfterS : 1)),
    );
  }
  if (!res.ok) throw new Error(`REST answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const body = (await res.json()) as { text?: string }[];
  return body.map((m) => m.text ?? '').filter((t) => t !== '');
}

interface StoredLead {
  conversation_id: string;
  contact_info: { name: string | null; email: string | null; phone_or_username: string | null };
  business_context: { company_name: string | null; interest_area: string };
  problem_statement: string;
  urgency_level: string;
  qualification: string;
  status: string;
}

export async function fetchLead(target: Target, conversationId: string): Promise<LeadView | undefined> {
  const res = await fetch(`${target.url}/api/leads?tenant=${encodeURIComponent(target.tenant)}`, {
    headers: { authorization: `Bearer ${target.adminToken}` },
  });
  if (!res.ok) throw new Error(`GET /api/leads answered ${res.status}`);
  const { leads } = (await res.json()) as { leads: StoredLead[] };
  const l = leads.find((x) => x.conversation_id === conversationId);
  if (!l) return undefined;
  return {
    name: l.contact_info.name,
    email: l.contact_info.email,
    phone: l.contact_info.phone_or_username,
    company: l.business_context.company_name,
    interest_area: l.business_context.interest_area,
    urgency_level: l.urgency_level,
    qualification: l.qualification,
    problem_statement: l.problem_statement,
    status: l.status,
  };
}

export const MAX_TURNS = 10;

/** Runs one persona to the end of its conversation. */
export async function runPersona(
  target: Target,
  persona: Persona,
  split: Split,
  runId: string,
): Promise<ConversationResult> {
  const sender = `${runId}-${persona.id}`;
  const conversationId = `${target.tenant}:rest:${sender}`;
  const state: State = { given: new Set(), script: [...(persona.script ?? [])], refusedEmailOnce: false };
  const transcript: Exchange[] = [];
  const errors: string[] = [];
  let turnsToComplete: number | undefined;
  let message: string | undefined = persona.opening;
  let lead: LeadView | undefined;
  while (message !== undefined && transcript.length < MAX_TURNS) {
    let replies: string[] = [];
    try {
      replies = await say(target, sender, message);
    } catch (err) {
      errors.push(String((err as Error).message));
    }
    transcript.push({ said: message, replies });
    lead = await fetchLead(target, conversationId);
    const complete =
      lead !== undefined &&
      (lead.status !== 'partial' || (persona.expect.email === undefined && lead.phone !== null));
    if (complete && turnsToComplete === undefined) turnsToComplete = transcript.length;
    message = nextMessage(persona, replies.join('\n'), state, complete);
  }
  return { persona, split, transcript, lead, turnsToComplete, errors };
}
