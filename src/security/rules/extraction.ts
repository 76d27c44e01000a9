/** System-prompt extraction: 'show your prompt', 'repeat the text above', 'what were you told'. */
import { type ThreatRule, r, R } from './vocab.ts';

const EXTRACTION_VERBS_EN =
  "(?:show|print|reveal|display|output|repeat|tell|give|share|dump|leak|expose|list|write|type|paste|spell-?check|translate|summari[sz]e|encode|recite|read|provide|send|copy|echo|return|reproduce|disclose|state|describe|explain|what(?:'s| is| are| was| were)|whats|which (?:are|were))";
const EXTRACTION_VERBS_ES =
  '(?:responde con|contesta con|muestra|muestrame|mostrar|ensena|ensename|dime|dinos|decir|dame|danos|revela|revelame|revelar|imprime|imprimir|escribe|escribeme|repite|repetir|copia|comparte|compartir|traduce|resume|cual es|cuales son|cuales eran|cual era|que dice|que dicen|pasame|mandame|envia|enviame|exhibe|lista|listame|recita|transcribe|pega|codifica|explica)';
const EXTRACTION_VERBS_PT =
  '(?:mostre|mostra|mostrar|me diga|diga|revele|revela|imprima|imprime|repita|repete|copie|compartilhe|traduza|escreva|qual e|quais sao|quais eram|me de|me mostre|envie)';
const SECRET_QUAL_EN =
  '(?:system|initial|hidden|secret|internal|starting|underlying|pre-?|base|developer|confidential|private|original|first|core|master|custom|full|complete|entire|exact|real|actual|previous)';
const SECRET_QUAL_ES =
  '(?:del sistema|de sistema|iniciales|inicial|originales|ocultas|oculto|secretas|secreto|internas|interno|confidenciales|completas|completo|exactas|reales|primeras)';

export const EXTRACTION: readonly ThreatRule[] = [
  R(
    'prompt_extraction',
    'show_your_prompt_en',
    0.85,
    'en',
    r(
      `\\b${EXTRACTION_VERBS_EN}\\s+(?:me\\s+|us\\s+)?(?:[^\\s.!?;]+\\s+){0,4}(?:your|ur|yer|its|the bot'?s|the assistant'?s|the ai'?s)\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:prompts?|instructions?|directives?|programming|system message|initial message|pre-?prompt|configuration|config|setup text|hidden rules|secret rules|internal rules|guidelines|rules|context window|training data)\\b(?!\\s+(?:for|on|about|to|regarding)\\s+(?!(?:this|the|our|responding|answering)\\b))`,
    ),
  ),
  R(
    'prompt_extraction',
    'show_system_prompt_en',
    0.88,
    'en',
    r(
      `\\b${EXTRACTION_VERBS_EN}\\s+(?:me\\s+|us\\s+)?(?:[^\\s.!?;]+\\s+){0,4}(?:the\\s+|this\\s+)?${SECRET_QUAL_EN}\\s+(?:[^\\s.!?;]+\\s+)?(?:system\\s+)?(?:prompts?|instructions|directives|programming|system message|configuration)\\b(?!\\s+(?:for|on|about|to)\\s+(?:install|set|assembl|us|use|return|mak|build|cook|download|config|updat|the (?:product|device|router|app)))`,
    ),
  ),
  R(
    'prompt_extraction',
    'system_prompt_mention',
    0.45,
    'any',
    r(
      `\\b(?:system|initial|hidden|secret|original|developer|starting|internal|pre)[ _-]?prompts?\\b|\\bsystem[ _-]?(?:message|instructions)\\b|\\bsystemprompt\\b|\\b(?:prompt|mensaje|instrucciones|mensagem|instrucoes) (?:del|de|do) sistema\\b|\\b(?:prompt|instrucciones) (?:inicial(?:es)?|original(?:es)?|ocult[oa]s?|secret[oa]s?)\\b|\\bsystemnachricht\\b|\\bsystem-?prompt\\b`,
    ),
  ),
  R(
    'prompt_extraction',
    'text_above_en',
    0.75,
    'en',
    r(
      `\\b(?:repeat|print|output|show|write|copy|spell-?check|translate|summari[sz]e|rewrite|display|return|reproduce|list|recite|echo|read back|tell me|give me|paste)\\s+(?:me\\s+)?(?:back\\s+)?(?:all\\s+|everything\\s+|the\\s+|all of the\\s+|this\\s+|your\\s+)?(?:[^\\s.!?;]+\\s+)?(?:text|words|prompt|everything|instructions|conversation|content|sentences?|lines|paragraphs?|message|input|it all|all of it)\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:above|before this|prior to this|at the (?:beginning|start|top)|so far|you (?:were|have been) given|from the (?:beginning|start))\\b`,
    ),
  ),
  R(
    'prompt_extraction',
    'above_text_en',
    0.75,
    'en',
    r(
      `\\b(?:repeat|print|output|show|write|copy|spell-?check|translate|summari[sz]e|rewrite|display|return|reproduce|recite|echo|encode|paste)\\s+(?:me\\s+)?(?:back\\s+)?(?:[^\\s.!?;]+\\s+){0,2}(?:the\\s+)?(?:above|previous|preceding|prior|foregoing|initial|original)\\s+(?:text|prompt|instructions|input|content|conversation|words|message|system message)\\b`,
    ),
  ),
  R(
    'prompt_extraction',
    'text_above_de',
    0.75,
    'de',
    r(
      `\\b(?:obige|obigen|vorherige|vorherigen)\\s+(?:eingabeaufforderung|prompt|text|textes|anweisungen)\\b|\\beingabeaufforderung\\b`,
    ),
  ),
  R(
    'prompt_extraction',
    'before_first_message',
    0.7,
    'any',
    r(
      `\\b(?:before|prior to|above)\\s+(?:my|our|the)\\s+(?:first|1st|initial)\\s+(?:message|question|prompt|input)\\b|\\b(?:antes de|previo a|arriba de)\\s+(?:mi|nuestro|el)\\s+primer\\s+mensaje\\b|\\bprimeras?\\s+instrucci(?:on|ones)\\s+(?:que\\s+)?(?:te\\s+)?(?:escribieron|dieron|pusieron|recibiste)\\b|\\b(?:hidden|secret|internal|confidential)\\s+part\\s+of\\s+(?:your|the)\\s+(?:instructions|prompt|configuration|setup)\\b|\\b(?:your|tu)\\s+(?:setup|set-up)\\s+(?:text|prompt|instructions)\\b|\\b(?:todo\\s+)?lo que tienes configurado\\b|\\btu configuracion (?:completa|interna|entera)\\b|\\byour (?:full|complete|entire|internal) (?:configuration|config|setup)\\b`,
    ),
  ),
  R(
    'prompt_extraction',
    'what_is_written_above',
    0.65,
    'en',
    r(
      `\\bwhat\\s+(?:is|was|has been|were)\\s+(?:written|said|stated|typed|mentioned|the (?:text|sentence|words?))\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:above|before (?:this|that|the)|at the (?:beginning|start)|in the prompt|earlier in the prompt)\\b|\\bwhat (?:are|were) the (?:[^\\s.!?;]+\\s+)?(?:sentences?|words|lines) (?:before|above)\\b|\\b(?:the|your) (?:beginning|start) of (?:this|the|your) prompt\\b`,
    ),
  ),
  R(
    'prompt_extraction',
    'what_were_you_told_en',
    0.75,
    'en',
    r(
      `\\bwhat\\s+(?:were|have|had|did)\\s+you\\s+(?:been\\s+)?(?:told|instructed|programmed|prompted|configured|trained to|asked to|given|ordered)\\b|\\bwhat (?:are|were) you (?:not\\s+)?(?:supposed|allowed|permitted|instructed|told|programmed) (?:not )?to (?:say|tell|do|share|reveal|hide|keep)\\b|\\bwhat instructions (?:were you|have you been|did you)\\b|\\bhow (?:were|have) you (?:been )?(?:programmed|instructed|configured|prompted)\\b|\\bwhat (?:is|are) your (?:instructions|directives|rules|programming|prompt|system prompt)\\b(?!\\s+(?:for|on|about|to)\\b)`,
    ),
  ),
  R(
    'prompt_extraction',
    'prompt_leak_bait_en',
    0.65,
    'en',
    r(
      `\\b(?:start|begin|continue|complete|finish)\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:with|sentence|following|this)\\b[^"']{0,20}["'](?:my instructions|the system prompt|i was (?:told|instructed|programmed)|you are a|my (?:system )?prompt|your instructions)|\\b(?:word for word|verbatim)\\b[^.!?]{0,60}\\b(?:conversation|prompt|instructions|above|text you were given)\\b|\\b(?:conversation|prompt|instructions|above)\\b[^.!?]{0,40}\\b(?:word for word|verbatim)\\b`,
    ),
  ),
  R(
    'prompt_extraction',
    'initialization_en',
    0.5,
    'en',
    r(
      `\\b(?:initiali[sz]ation|boot|startup|start-?up)\\s+(?:string|prompt|text|message|instructions)\\b|\\b(?:text|instructions?|prompt|rules|message)s?\\s+(?:that\\s+)?(?:you were|you've been|you have been|you got)\\s+(?:given|told|provided|fed)\\b`,
    ),
  ),
  R(
    'prompt_extraction',
    'show_your_prompt_es',
    0.85,
    'es',
    r(
      `\\b${EXTRACTION_VERBS_ES}\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:tu|tus|su|sus)\\s+(?:[^\\s.!?;]+\\s+)?(?:prompt|instrucciones|indicaciones|directrices|programacion|configuracion|reglas internas|reglas ocultas|reglas secretas|mensaje (?:del|de) sistema|mensaje inicial|ordenes)\\b(?!\\s+(?:de|para|sobre)\\s+(?!sistema\\b))`,
    ),
  ),
  R(
    'prompt_extraction',
    'show_system_prompt_es',
    0.88,
    'es',
    r(
      `\\b${EXTRACTION_VERBS_ES}\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:el|la|las|los)\\s+(?:prompt|instrucciones|indicaciones|directrices|programacion|configuracion|reglas|mensaje)\\s+${SECRET_QUAL_ES}\\b`,
    ),
  ),
  R(
    'prompt_extraction',
    'what_were_you_told_es',
    0.75,
    'es',
    r(
      `\\b(?:que|cuales)\\s+(?:instrucciones|reglas|ordenes|indicaciones|directrices)\\s+(?:te|le)\\s+(?:dieron|dio|han dado|pusieron|programaron|ensenaron|indicaron)\\b|\\bque\\s+te\\s+(?:dijeron|indicaron|programaron|ordenaron|ensenaron|pidieron)\\s+(?:[^\\s.!?;]+\\s+)?(?:antes|al (?:principio|inicio)|que (?:hicieras|dijeras|no dijeras|respondieras)|en (?:tu|el) (?:prompt|sistema))\\b|\\bcomo te (?:programaron|configuraron|instruyeron)\\b|\\bque (?:no\\s+)?(?:puedes|debes|podias|debias|pudieras|tienes permitido)\\s+(?:decir|contar|revelar)(?:me|le|les)?\\b`,
    ),
  ),
  R(
    'prompt_extraction',
    'text_above_es',
    0.7,
    'es',
    r(
      `\\b(?:repite|repetir|imprime|escribe|copia|muestra|muestrame|traduce|resume|dime|pega)\\s+(?:todo\\s+)?(?:el|la|los|las|lo)?\\s*(?:texto|mensaje|instrucciones|prompt|palabras|conversacion|contenido|todo)?\\s*(?:que (?:esta|hay|aparece|tienes|viste)\\s+)?(?:de arriba|anterior|al principio|al inicio|arriba|desde el principio)\\b`,
    ),
  ),
  R(
    'prompt_extraction',
    'show_your_prompt_pt',
    0.85,
    'pt',
    r(
      `\\b${EXTRACTION_VERBS_PT}\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:seu|sua|suas|seus|o|as)\\s+(?:[^\\s.!?;]+\\s+)?(?:prompt|instrucoes|diretrizes|programacao|configuracao|regras internas|mensagem do sistema)\\b(?:\\s+(?:do sistema|iniciais|originais|ocultas|secretas))?`,
    ),
  ),
  R(
    'prompt_extraction',
    'show_your_prompt_de',
    0.8,
    'de',
    r(
      `\\b(?:zeig|zeige|zeigen sie|gib|geben sie|nenne|wiederhole|drucke|schreib|schreibe|ubersetze|kopiere)\\b(?:'|\\s)+(?:[^\\s.!?;]+\\s+){0,3}(?:deine|ihre|die|alle|den|dein|ihren)\\s+(?:[^\\s.!?;]+\\s+)?(?:prompt-?texte?|prompts?|anweisungen|instruktionen|systemnachricht|vorgaben|regeln|systemprompt)\\b|\\bwas (?:steht|stand) (?:oben|am anfang|davor)\\b`,
    ),
  ),
];
