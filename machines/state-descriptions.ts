/**
 * A short description of every state of the conversation machine, set on the machine's config
 * (`described`) so that XState carries it (`StateNode.description`): the chart exports, the
 * console's live chart and the Stately inspector show it. A test checks every state has one.
 */

/** The phases (top-level states). */
const PHASES: Record<string, string> = {
  triage: 'First contact: what does the person want?',
  capture: 'Gathering the lead: need, name, email, company (one or two questions a turn)',
  qualify: 'Decides where the complete lead goes: spam, a support ticket, or sales (handoff)',
  handoff: 'Lead delivered to sales (or a critical case to a person): follow-ups update it',
  support: 'Support ticket delivered: follow-ups update it',
  human: 'A person of the team owns the chat: the bot is silent',
  spam: 'Spam or an advert: recorded, answered once politely, never delivered',
  closed: 'The conversation ended (farewell or left mid-capture); a new need reopens the capture',
  failed: 'The lead could not be stored after retries: apologised; the next message retries',
};

/** Sub-states by key (the same role in every phase that has them). */
const STEPS: Record<string, string> = {
  waiting: 'At rest, waiting for the next message or timer (the snapshot is saved here)',
  analysing: 'Reads the message: language, fields, need, urgency, spam, intent (built-in NLU)',
  routing: 'Chooses the next step from what the message changed',
  replying: 'Writes the reply (the model, with this state’s tools)',
  nudging: 'One gentle follow-up after a silence, asking for what is still missing',
  leaving: 'The person said goodbye mid-capture: a partial lead is stored',
  abandoning: 'The person went quiet for good mid-capture: a partial lead is stored',
  reviewing: 'After the reply: is the lead complete now?',
  delivering: 'Stores the lead (or ticket) durably and pushes it to the CRM outbox',
  backingOff: 'Storing failed: waits (capped backoff) before trying again',
  alerting: 'Alerts the team (Slack, Teams, webhook, console queue): a person is needed',
  confirming: 'Confirms the case to the person, with its reference',
  escalating: 'Nobody took the case over by its deadline: alerts again, one level up',
  reassuring: 'Tells the waiting person their case is being handled',
  updating: 'The person added or corrected details: the stored lead is updated (same id)',
  following: 'Answers a follow-up question',
  recording: 'Stores the spam record (never delivered to the CRM)',
  retrying: 'The store may be back: tries the delivery again',
};

/** Where a sub-state's role differs from its key's general description. */
const OVERRIDES: Record<string, string> = {
  'human.waiting':
    'The operator owns the chat: the person’s messages are kept and shown, the bot says nothing',
  'human.updating': 'The operator corrected the lead: the stored lead is updated and pushed again',
  'failed.replying': 'Apologises: the case could not be stored yet',
  'triage.replying': 'Greets and asks what the person needs',
  'closed.replying': 'Says goodbye, or answers a question after the end',
};

/** The description of the state at `path` (dotted), if the tables have one. */
export function describeState(path: string): string | undefined {
  if (OVERRIDES[path]) return OVERRIDES[path];
  const parts = path.split('.');
  return parts.length === 1 ? PHASES[path] : STEPS[parts[parts.length - 1] as string];
}

interface Describable {
  description?: string | undefined;
  states?: Record<string, Describable>;
}

/** Fills `description` on a state config tree (in place); an explicit one wins. */
function describeConfig(config: Describable, path: readonly string[]): void {
  if (path.length > 0) config.description ??= describeState(path.join('.'));
  for (const [key, child] of Object.entries(config.states ?? {})) describeConfig(child, [...path, key]);
}

/**
 * The machine with every state described: its config (which `provide` rebuilds the machine from)
 * and its state nodes get the descriptions of the tables; an explicit `description` wins.
 */
export function describeMachine<M extends { config: unknown; root: unknown }>(machine: M): M {
  describeConfig(machine.config as Describable, []);
  describeConfig(machine.root as Describable, []);
  return machine;
}
