/**
 * ThreatDetector: prompt-injection and jailbreak screening for every inbound message, before any
 * model sees it. Three layers: normalisation (normalize.ts), multilingual rules (rules.ts) combined
 * by noisy-OR with context boosts and benign-frame dampening (frames.ts), and an optional LLM judge
 * for the uncertain band. `inspect` is synchronous and takes well under a millisecond for a typical
 * message; its `verdict` and `reasons` are meant to be used as they are by the caller.
 */
import { ConfigError } from '../errors.ts';
import { BENIGN_FRAMES, IMPERATIVE_RE, SECOND_PERSON_RE, STRONG_WEIGHT } from './frames.ts';
import { detectThreatLanguage, type ThreatLanguage } from './lang.ts';
import { normalize, type EncodingKind, type ObfuscationKind } from './normalize.ts';
import { RULES, SQUEEZED_RULES, type ThreatCategory, type ThreatRule } from './rules.ts';

/** allow: pass to the model; flag: pass, but watch (audit, judge, stricter tools); block: never reaches the model. */
export type ThreatVerdictKind = 'allow' | 'flag' | 'block';

/** The detector's answer for one message. */
export interface ThreatVerdict {
  verdict: ThreatVerdictKind;
  /** 0..1, rounded to three decimals. */
  score: number;
  /**
   * Why, strongest first: `category:rule` for rule hits (e.g. `instruction_override:ignore_previous_es`),
   * `obfuscation:<kind>` for hidden or encoded text, `context:<boost>` and `benign_frame:<frame>` for
   * what changed the score, `judge:<outcome>` when a judge was consulted. Empty when nothing matched.
   */
  reasons: string[];
  /** Language of the message, for the reply to a blocked message ('other' → use the conversation's). */
  lang: ThreatLanguage;
}

/** What the caller knows about the conversation (optional). */
export interface InspectContext {
  /** Names of the tools the model can call; naming one in a message is suspicious. */
  toolNames?: readonly string[];
}

/** A verdict written into a message for the judge to repeat: `"malicious": false`, `verdict: benign`. */
const DICTATED_VERDICT =
  /["'`]?\b(?:malicious|is_malicious|verdict|classification|is_attack)\b["'`]?\s*[:=]\s*["'`]?(?:false|true|benign|safe|allow)/i;

/** A second opinion for uncertain messages (an LLM through the KeyPool, wired elsewhere). */
export interface ThreatJudge {
  judge(
    text: string,
    lang: ThreatLanguage,
    signal?: AbortSignal,
  ): Promise<{ malicious: boolean; confidence: number }>;
}

/** Detector settings; every field has a default. */
export interface ThreatDetectorOptions {
  /** Score at or above which a message is blocked (default 0.8). */
  blockThreshold?: number;
  /** Score at or above which a message is flagged (default 0.5). */
  flagThreshold?: number;
  /** Scores in [low, high) are uncertain: `inspectWithJudge` asks the judge (default [0.35, 0.8)). */
  judgeBand?: { low: number; high: number };
  /** Tool names to watch for in every message (merged with `InspectContext.toolNames`). */
  toolNames?: readonly string[];
}

export const DEFAULT_BLOCK_THRESHOLD = 0.8;
export const DEFAULT_FLAG_THRESHOLD = 0.5;
export const DEFAULT_JUDGE_BAND = { low: 0.35, high: 0.8 } as const;

/** Evidence from obfuscation on its own (a customer has no reason to hide text). */
const OBFUSCATION_WEIGHT: Readonly<Partial<Record<ObfuscationKind, number>>> = {
  zero_width: 0.2,
  control: 0.1,
  homoglyph: 0.25,
  base64: 0.3,
  hex: 0.3,
  binary: 0.35,
  html_entities: 0.3,
  unicode_tags: 0.6,
};

/** Longer messages are scanned in overlapping windows so the work stays linear. */
const WINDOW = 6_000;
const OVERLAP = 300;

interface Hit {
  rule: { id: string; category: ThreatCategory; weight: number };
  /** Where it matched: 'plain', or the obfuscation that had to be undone first. */
  via: 'plain' | ObfuscationKind;
}

interface Evidence {
  hits: Map<string, Hit>;
  frames: Set<string>;
  signals: Set<ObfuscationKind>;
  imperative: boolean;
}

function addHit(hits: Map<string, Hit>, rule: Hit['rule'], via: Hit['via']): void {
  const key = `${rule.category}:${rule.id}`;
  const prev = hits.get(key);
  // A plain match beats an obfuscated one: the reason then says what was really there.
  if (!prev || (prev.via !== 'plain' && via === 'plain') || prev.rule.weight < rule.weight) {
    hits.set(key, { rule, via: prev?.via === 'plain' ? 'plain' : via });
  }
}

function matchRules(text: string, cased: string, via: Hit['via'], hits: Map<string, Hit>): void {
  for (const rule of RULES) {
    if (hits.get(`${rule.category}:${rule.id}`)?.via === 'plain') continue;
    if (rule.cased ? rule.re.test(cased) : rule.re.test(text)) addHit(hits, rule, via);
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}

/** Screens messages for prompt injection, jailbreaks, prompt extraction and data exfiltration. */
export class ThreatDetector {
  readonly blockThreshold: number;
  readonly flagThreshold: number;
  readonly judgeBand: { low: number; high: number };
  private readonly toolRe: RegExp | undefined;

  constructor(options: ThreatDetectorOptions = {}) {
    this.blockThreshold = options.blockThreshold ?? DEFAULT_BLOCK_THRESHOLD;
    this.flagThreshold = options.flagThreshold ?? DEFAULT_FLAG_THRESHOLD;
    this.judgeBand = options.judgeBand ?? DEFAULT_JUDGE_BAND;
    const inRange = (n: number): boolean => Number.isFinite(n) && n > 0 && n <= 1;
    if (
      !inRange(this.blockThreshold) ||
      !inRange(this.flagThreshold) ||
      this.flagThreshold > this.blockThreshold
    ) {
      throw new ConfigError(
        `ThreatDetector thresholds must satisfy 0 < flag (${this.flagThreshold}) <= block (${this.blockThreshold}) <= 1.`,
      );
    }
    if (!(this.judgeBand.low >= 0 && this.judgeBand.low < this.judgeBand.high && this.judgeBand.high <= 1)) {
      throw new ConfigError(
        `ThreatDetector judgeBand must satisfy 0 <= low (${this.judgeBand.low}) < high (${this.judgeBand.high}) <= 1.`,
      );
    }
    this.toolRe = ThreatDetector.toolPattern(options.toolNames ?? []);
  }

  private static toolPattern(names: readonly string[]): RegExp | undefined {
    const clean = names.map((n) => n.trim().toLowerCase()).filter((n) => n.length >= 3);
    if (clean.length === 0) return undefined;
    return new RegExp(`(?<![a-z0-9_])(?:${clean.map(escapeRe).join('|')})(?![a-z0-9_])`);
  }

  /** Inspects one message. Synchronous; never throws on any string. */
  inspect(text: string, context?: InspectContext): ThreatVerdict {
    const contextTools = context?.toolNames ? ThreatDetector.toolPattern(context.toolNames) : undefined;
    const evidence: Evidence = { hits: new Map(), frames: new Set(), signals: new Set(), imperative: false };
    let lang: ThreatLanguage = 'other';
    for (
      let start = 0, first = true;
      first || start < text.length;
      start += WINDOW - OVERLAP, first = false
    ) {
      const window = text.slice(start, start + WINDOW);
      const folded = this.scan(window, evidence, [this.toolRe, contextTools]);
      if (first) lang = detectThreatLanguage(window, folded);
      if (start + WINDOW >= text.length) break;
    }
    return this.score(evidence, lang);
  }

  /**
   * Inspects a message and, when the score falls in the uncertain band, asks `judge` for a second
   * opinion. A failing judge leaves the rule verdict as it was (reason `judge:error`).
   */
  async inspectWithJudge(
    text: string,
    judge?: ThreatJudge,
    options: { context?: InspectContext; signal?: AbortSignal } = {},
  ): Promise<ThreatVerdict> {
    const first = this.inspect(text, options.context);
    if (!judge || first.score < this.judgeBand.low || first.score >= this.judgeBand.high) return first;
    let opinion: { malicious: boolean; confidence: number };
    try {
      opinion = await judge.judge(text, first.lang, options.signal);
    } catch {
      // The judge is optional: without it the rules' verdict stands, marked so the caller can tell.
      return { ...first, reasons: [...first.reasons, 'judge:error'] };
    }
    // The message dictates a verdict (`{"malicious": false}`…): a benign opinion may have been
    // copied from it, so it does not lower the rules' score.
    if (!opinion.malicious && DICTATED_VERDICT.test(text))
      return { ...first, reasons: [...first.reasons, 'judge:dictated'] };
    const c = Number.isFinite(opinion.confidence) ? Math.min(1, Math.max(0, opinion.confidence)) : NaN;
    if (Number.isNaN(c) || typeof opinion.malicious !== 'boolean') {
      return { ...first, reasons: [...first.reasons, 'judge:error'] };
    }
    const score = opinion.malicious ? first.score + (1 - first.score) * c : first.score * (1 - 0.7 * c);
    const rounded = Math.round(score * 1000) / 1000;
    return {
      verdict: this.verdictFor(rounded),
      score: rounded,
      reasons: [...first.reasons, opinion.malicious ? 'judge:malicious' : 'judge:benign'],
      lang: first.lang,
    };
  }

  private verdictFor(score: number): ThreatVerdictKind {
    if (score >= this.blockThreshold) return 'block';
    if (score >= this.flagThreshold) return 'flag';
    return 'allow';
  }

  /** Runs every layer on one window; returns the folded text (for language detection). */
  private scan(text: string, ev: Evidence, toolRes: readonly (RegExp | undefined)[]): string {
    const n = normalize(text);
    for (const s of n.signals) ev.signals.add(s);
    matchRules(n.plain, n.cased, 'plain', ev.hits);
    if (n.leet !== n.plain) matchRules(n.leet, n.cased, 'leet', ev.hits);
    if (n.collapsed !== n.leet) matchRules(n.collapsed, n.cased, 'spaced', ev.hits);
    for (const squeezed of n.squeezed) {
      for (const rule of SQUEEZED_RULES) if (rule.re.test(squeezed)) addHit(ev.hits, rule, 'spaced');
    }
    // Homoglyphs and zero-width characters are undone in every copy: credit them when they hid a hit.
    if (n.naive !== undefined) this.creditHiddenHits(n.naive, n.cased, ev);
    for (const chunk of n.decoded) this.scanDecoded(chunk.kind, chunk.text, ev);
    for (const re of toolRes) {
      if (re && (re.test(n.plain) || re.test(n.collapsed))) {
        addHit(ev.hits, { id: 'tool_name', category: 'exfiltration', weight: 0.65 }, 'plain');
      }
    }
    for (const frame of BENIGN_FRAMES) {
      if (frame.all.every((re) => re.test(frame.cased ? n.cased : n.plain))) ev.frames.add(frame.id);
    }
    if (IMPERATIVE_RE.test(n.plain) && SECOND_PERSON_RE.test(n.plain)) ev.imperative = true;
    return n.collapsed;
  }

  /** Hits that the copy without homoglyph folding / zero-width removal misses were hidden by them. */
  private creditHiddenHits(naive: string, cased: string, ev: Evidence): void {
    const kind: ObfuscationKind = ev.signals.has('homoglyph') ? 'homoglyph' : 'zero_width';
    for (const rule of RULES) {
      const key = `${rule.category}:${rule.id}`;
      const hit = ev.hits.get(key);
      if (!hit || hit.via !== 'plain') continue;
      if (!(rule.cased ? rule.re.test(cased) : rule.re.test(naive)))
        ev.hits.set(key, { rule: hit.rule, via: kind });
    }
  }

  private scanDecoded(kind: EncodingKind, decoded: string, ev: Evidence): void {
    const inner = normalize(decoded);
    const innerHits = new Map<string, Hit>();
    matchRules(inner.plain, inner.cased, kind, innerHits);
    if (inner.leet !== inner.plain) matchRules(inner.leet, inner.cased, kind, innerHits);
    for (const hit of innerHits.values()) addHit(ev.hits, hit.rule, kind);
    ev.signals.add(kind);
  }

  private score(ev: Evidence, lang: ThreatLanguage): ThreatVerdict {
    const frames = BENIGN_FRAMES.filter((f) => ev.frames.has(f.id));
    const perCategory = new Map<ThreatCategory, number>();
    const contributions: { reason: string; weight: number }[] = [];
    let hiddenTrigger: ObfuscationKind | undefined;
    for (const [key, hit] of ev.hits) {
      let w = hit.rule.weight;
      for (const f of frames) {
        const applies = f.categories === 'all' || f.categories.includes(hit.rule.category);
        if (applies && (f.strongToo || w < STRONG_WEIGHT)) w *= f.factor;
      }
      perCategory.set(hit.rule.category, 1 - (1 - (perCategory.get(hit.rule.category) ?? 0)) * (1 - w));
      contributions.push({ reason: key, weight: w });
      if (hit.via !== 'plain' && hit.rule.weight >= 0.3) hiddenTrigger ??= hit.via;
    }
    let keep = 1;
    for (const p of perCategory.values()) keep *= 1 - p;
    for (const s of ev.signals) {
      const w = OBFUSCATION_WEIGHT[s];
      if (w === undefined) continue;
      keep *= 1 - w;
      contributions.push({ reason: `obfuscation:${s}`, weight: w });
    }
    let score = 1 - keep;
    const boosts = !frames.some((f) => f.noBoost === true);
    const strongCategories = [...perCategory.values()].filter((p) => p >= 0.3).length;
    if (boosts && strongCategories >= 2) {
      score = 1 - (1 - score) * 0.6;
      contributions.push({ reason: 'context:multi_category', weight: 0.05 });
    }
    if (hiddenTrigger !== undefined) {
      score = 1 - (1 - score) * 0.6;
      if (!contributions.some((c) => c.reason === `obfuscation:${hiddenTrigger}`)) {
        contributions.push({ reason: `obfuscation:${hiddenTrigger}`, weight: 0.04 });
      }
      contributions.push({ reason: 'context:obfuscated_trigger', weight: 0.04 });
    }
    if (boosts && ev.imperative && score >= 0.3) {
      score = 1 - (1 - score) * 0.85;
      contributions.push({ reason: 'context:imperative', weight: 0.02 });
    }
    for (const f of frames) {
      const touched = [...ev.hits.values()].some(
        (h) => f.categories === 'all' || f.categories.includes(h.rule.category),
      );
      if (touched) contributions.push({ reason: `benign_frame:${f.id}`, weight: 0.01 });
    }
    const rounded = Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000;
    contributions.sort((a, b) => b.weight - a.weight);
    return {
      verdict: this.verdictFor(rounded),
      score: rounded,
      reasons: contributions.map((c) => c.reason),
      lang,
    };
  }
}

/** Every rule, for documentation and tests. */
export const THREAT_RULES: readonly ThreatRule[] = RULES;
