/**
 * Multilingual rules of the ThreatDetector. Each rule names a general attack pattern of one
 * category (never one corpus item) and carries a weight: the probability-like evidence it gives on
 * its own. Patterns run on the normalised copies from normalize.ts (lower case, no accents, plain
 * quotes), except `cased` rules, which run on the case-preserved text. Spanish and English first,
 * Portuguese, and German / French / Italian for the commonest override phrasings.
 *
 * Every pattern uses bounded gaps only, so matching stays linear on long messages.
 */

import { AUTHORITY } from './rules/authority.ts';
import { EXFIL } from './rules/exfiltration.ts';
import { EXTRACTION } from './rules/extraction.ts';
import { HIJACK, PROMISE } from './rules/hijack.ts';
import { OVERRIDE } from './rules/override.ts';
import { ROLEPLAY } from './rules/roleplay.ts';
import type { SqueezedRule, ThreatRule } from './rules/vocab.ts';

export type { SqueezedRule, ThreatCategory, ThreatRule } from './rules/vocab.ts';

/** Every rule, in category order. */
export const RULES: readonly ThreatRule[] = [
  ...OVERRIDE,
  ...ROLEPLAY,
  ...EXTRACTION,
  ...EXFIL,
  ...AUTHORITY,
  ...HIJACK,
  ...PROMISE,
];

/** Compact key phrases for spaced-out text joined without separators. */
export const SQUEEZED_RULES: readonly SqueezedRule[] = [
  {
    id: 'ignore_previous_en',
    category: 'instruction_override',
    weight: 0.88,
    re: /(?:ignore|disregard|forget|bypass|override)(?:all|any|the|your|my|of){0,3}(?:previous|prior|above|earlier|system|initial|original)?(?:instructions?|rules|prompts?|directives|guidelines)/,
  },
  {
    id: 'ignore_previous_es',
    category: 'instruction_override',
    weight: 0.88,
    re: /(?:ignora|olvida|desobedece|descarta|omite)(?:todas?|las|tus|sus){0,3}(?:instrucciones|reglas|indicaciones|ordenes|directrices|normas)/,
  },
  {
    id: 'special_mode_on',
    category: 'roleplay_jailbreak',
    weight: 0.85,
    re: /(?:developer|jailbreak|god|dan|unrestricted)mode|modo(?:desarrollador|dios|sinrestricciones)|doanythingnow|jailbr(?:eak|oken)/,
  },
  {
    id: 'system_prompt_mention',
    category: 'prompt_extraction',
    weight: 0.7,
    re: /systemprompt|initialprompt|hiddenprompt|promptdelsistema|instruccionesdelsistema|yourinstructions|tusinstrucciones|tuprompt|yourprompt/,
  },
  {
    id: 'bulk_people_data_en',
    category: 'exfiltration',
    weight: 0.7,
    re: /(?:all|other)(?:leads|customers|clients|users)(?:emails?|phones?|data|addresses)|datosdeotrosclientes|todoslosclientes/,
  },
];
