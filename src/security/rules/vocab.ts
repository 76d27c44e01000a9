/**
 * Shared pieces of the ThreatDetector rules: the rule types, the pattern helpers and the
 * multilingual vocabulary (verbs, targets, people and personal-data nouns) the category files use.
 * Patterns run on the folded copies from normalize.ts: lower case, no accents, plain quotes.
 */

/** What an attack tries to do. */
export type ThreatCategory =
  | 'instruction_override'
  | 'roleplay_jailbreak'
  | 'prompt_extraction'
  | 'exfiltration'
  | 'fake_authority'
  | 'goal_hijack'
  | 'promise_extraction';

/** One pattern and its evidence weight. */
export interface ThreatRule {
  /** Short stable name, unique within its category (reported as `category:id`). */
  id: string;
  category: ThreatCategory;
  /** Evidence on its own, 0..1 (combined with the others by noisy-OR). */
  weight: number;
  /** Language the phrasing belongs to ('any' for symbols and markup); every rule runs on every message. */
  lang: 'en' | 'es' | 'pt' | 'de' | 'fr' | 'it' | 'any';
  re: RegExp;
  /** Match on the case-preserved text instead of the folded copies. */
  cased?: boolean;
}

/** Compact key phrases matched on spaced-out runs joined without separators ("ignoreallprevious…"). */
export interface SqueezedRule {
  id: string;
  category: ThreatCategory;
  weight: number;
  re: RegExp;
}

/** Up to `n` words, not crossing a sentence end. */
export const gap = (n: number): string => `(?:[^\\s.!?;]+\\s+){0,${n}}`;
export const r = (source: string): RegExp => new RegExp(source);

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

export const EN_IGNORE =
  "(?:ignore|ignoring|ignores|disregard|disregarding|forget|forgetting|skip|drop|override|overwrite|bypass|abandon|discard|neglect|overlook|remove|wipe|purge|set aside|put aside|leave behind|throw away|stop following|don'?t follow|do not follow|cancel|erase|delete|clear|reset|nevermind|never mind|scrap|ditch|dismiss)";
export const EN_PRIOR =
  '(?:previous|previously|prior|preceding|above|earlier|former|foregoing|initial|original|old|existing|system|pre-?programmed|programmed|default|given|built-?in|your|all|any)';
export const EN_TARGET =
  '(?:instructions?|instructed|rules?|prompts?|directives?|directions|guidelines?|orders|commands?|programming|constraints?|restrictions?|guardrails?|policies|policy|settings|training|conditioning|assignments?|tasks?|context|guidance|limitations?|filters?|safeguards?|protocols?)';

export const ES_IGNORE =
  '(?:ignora|ignore|ignoren|ignorar|ignores|ignorando|ignorad|olvida|olvide|olviden|olvidar|olvidate de|olvidese de|olvidando|desobedece|desobedecer|desobedezca|descarta|descartar|descarte|omite|omitir|omita|pasa por alto|pasar por alto|no hagas caso (?:a|de)|haz caso omiso (?:a|de)|saltate|salta|saltar|anula|anular|deja de (?:seguir|obedecer|cumplir|respetar)|no sigas|no cumplas|no obedezcas|no respetes|borra|elimina|desactiva|prescinde de|abandona|deshazte de|descarta)';
export const ES_TARGET =
  '(?:instrucciones|instruccion|reglas|indicaciones|ordenes|directrices|directivas|normas|restricciones|pautas|politicas|programacion|prompt|consignas|limitaciones|filtros|protocolos|configuracion|entrenamiento)';
export const ES_PRIOR =
  '(?:anteriores|anterior|previas|previos|de arriba|de antes|iniciales|originales|del sistema|de sistema|internas|ocultas|que te (?:dieron|dio|han dado|dijeron|pusieron|programaron|indicaron|ensenaron)|que tienes|que sigues)';

export const PT_IGNORE =
  '(?:ignore|ignora|ignorar|esqueca|esquece|esquecer|esqueça|desconsidere|desconsidera|desconsiderar|descarte|descarta|despreze|nao siga|pare de seguir|deixe de seguir|deixe de lado|abandone)';
export const PT_TARGET =
  '(?:instrucoes|instrucao|regras|orientacoes|diretrizes|ordens|restricoes|prompt|comandos|normas)';

export const YOU_AI =
  '(?:you|u|ya|it|he|she|they|ai|a\\.i\\.|bot|chatbot|assistant|model|llm|chatgpt|gpt[a-z]*|[a-z]+gpt|[a-z]+bot|dan|persona|character|tu|usted|eres|voce|ia|asistente|modelo)';
export const LIMITS_EN =
  '(?:restrictions?|limits|limitations?|filters?|rules|guidelines|boundaries|censorship|ethics|ethical (?:guidelines|constraints|principles|boundaries)|morals|morality|moral (?:guidelines|constraints|compass|principles)|constraints?|policies|safeguards?|guardrails?|content polic(?:y|ies)|principles)';
export const LIMITS_ES =
  '(?:restricciones|reglas|limites|limitaciones|filtros|censura|normas|politicas|etica|moral|directrices|principios|barreras|prohibiciones|salvaguardas)';
export const PII_EN =
  '(?:e-?mails?(?: address(?:es)?)?|phone(?: numbers?)?|numbers?|(?:home |postal |mailing )?address(?:es)?|birth ?(?:date|day|year|month|place)|date of birth|dob|passwords?|ssn|names?|favou?rite \\w+|social security(?: numbers?)?|credit cards?|card numbers?|bank (?:balance|account|details)|account (?:numbers?|balance|details)|location|city(?: of residence)?|current city|residence|salary|initials|full names?|last names?|surnames?|personal (?:data|details|information|info)|contact (?:details|info|information)|data|details|records|info|information)';
export const PII_ES =
  '(?:correos?(?: electronicos?)?|e-?mails?|telefonos?|numeros?(?: de (?:telefono|celular|whatsapp))?|celulares?|direccion(?:es)?(?: de correo(?: electronico)?)?|fechas? de nacimiento|cumpleanos|contrasenas?|claves?|tarjetas?|saldos?(?: bancarios?)?|cuentas? bancarias?|ciudad(?: de residencia)?|domicilios?|datos(?: personales| de contacto)?|informacion(?: personal| de contacto)?|nombres?|salarios?|historial|conversaciones|mensajes)';
export const PEOPLE_EN =
  '(?:leads|customers|clients|users|contacts|prospects|accounts|people|subscribers|members|buyers|patients|employees|guests|shoppers|visitors)';
export const PEOPLE_ES =
  '(?:clientes|usuarios|leads|contactos|prospectos|personas|compradores|suscriptores|miembros|empleados|pacientes|huespedes)';

export const R = (
  category: ThreatCategory,
  id: string,
  weight: number,
  lang: ThreatRule['lang'],
  re: RegExp,
  cased = false,
): ThreatRule => (cased ? { id, category, weight, lang, re, cased } : { id, category, weight, lang, re });
