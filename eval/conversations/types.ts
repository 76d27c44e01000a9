/** Simulated prospects for `npm run eval:conversations` (see docs/evaluation.md). */

export const PERSONA_KINDS = [
  'hot_sales',
  'cold_browser',
  'price_question',
  'billing',
  'outage',
  'locked_out',
  'other',
  'spam',
  'injection',
  'refuses_email',
  'corrects_email',
  'all_in_one',
  'personal_email_company',
  'topic_change',
  'typo_email',
] as const;
export type PersonaKind = (typeof PERSONA_KINDS)[number];

/** What the persona says when the bot asks for one thing. */
export interface PersonaAnswers {
  need?: string;
  name?: string;
  email?: string;
  company?: string;
  phone?: string;
  refuse_email?: string;
  confirm?: string;
}

export interface PersonaExpect {
  lead: boolean;
  name?: string;
  email?: string;
  /** null: the lead must carry no company; absent: not scored. */
  company?: string | null;
  interest_area?: string;
  urgency_level?: string;
  qualification?: string;
  /** Each group: at least one stem must appear in the (folded) problem statement. */
  problem_covers?: string[][];
}

export interface Persona {
  id: string;
  lang: 'es' | 'en';
  kind: PersonaKind;
  style: string;
  opening: string;
  answers: PersonaAnswers;
  /** Messages said when the bot asks nothing this persona can answer, then after the lead is registered. */
  script?: string[];
  expect: PersonaExpect;
}

export type Split = 'dev' | 'test';

/** One bot-prospect exchange as the simulator saw it. */
export interface Exchange {
  said: string;
  replies: string[];
}

export interface LeadView {
  name: string | null;
  email: string | null;
  company: string | null;
  phone: string | null;
  interest_area: string;
  urgency_level: string;
  qualification: string;
  problem_statement: string;
  status: string;
}

export interface ConversationResult {
  persona: Persona;
  split: Split;
  transcript: Exchange[];
  lead: LeadView | undefined;
  /** Prospect messages sent when the lead first reached status `complete`. */
  turnsToComplete: number | undefined;
  errors: string[];
}
