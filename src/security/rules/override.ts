/** Instruction override: 'ignore / olvida / desobedece … previous … instructions', in every language we watch. */
import {
  type ThreatRule,
  gap,
  r,
  R,
  EN_IGNORE,
  EN_PRIOR,
  EN_TARGET,
  ES_IGNORE,
  ES_TARGET,
  ES_PRIOR,
  PT_IGNORE,
  PT_TARGET,
} from './vocab.ts';

export const OVERRIDE: readonly ThreatRule[] = [
  R(
    'instruction_override',
    'ignore_previous_en',
    0.88,
    'en',
    r(`\\b${EN_IGNORE}\\s+(?:about\\s+|of\\s+)?${gap(3)}${EN_PRIOR}\\s+${gap(2)}${EN_TARGET}\\b`),
  ),
  R(
    'instruction_override',
    'ignore_above_en',
    0.75,
    'en',
    r(
      `\\b${EN_IGNORE}\\s+(?:about\\s+)?(?:all\\s+|everything\\s+|anything\\s+)?(?:of\\s+)?(?:the\\s+|that\\s+|this\\s+|what(?:ever)?\\s+(?:is|was|came|comes|you (?:were|have been)\\s+\\w+)\\s+)?(?:above|before|previously|prior|earlier|so far|up to now|until now|preceding)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'forget_everything_en',
    0.7,
    'en',
    r(
      `\\b(?:forget|ignore|disregard|erase|clear)\\s+(?:about\\s+)?(?:everything|all(?: of)? (?:that|this|the above)|all you know|anything you (?:know|were told|have been told|learned))\\b(?:\\s+(?:you|u)\\s+(?:know|knew|were|have|learned|learnt|was|had))?`,
    ),
  ),
  R(
    'instruction_override',
    'ignore_previous_info_en',
    0.55,
    'en',
    r(
      `\\b${EN_IGNORE}\\s+(?:about\\s+)?(?:all\\s+)?(?:of\\s+)?(?:the\\s+|your\\s+)?(?:previous|prior|preceding|above|earlier|foregoing|old)\\s+(?:information|info|text|input|messages|content|data|conversation|context|tasks?|answers?)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'forget_what_i_said_en',
    0.4,
    'en',
    r(
      `\\b(?:forget|ignore|disregard)\\s+(?:about\\s+)?(?:what|everything|anything|all)\\s+(?:that\\s+)?i\\s+(?:said|told you|wrote|asked|have said|have told you)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'dont_follow_en',
    0.75,
    'en',
    r(
      `\\b(?:do not|don'?t|stop|no longer|never)\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:follow(?:ing)?|obey(?:ing)?|adher(?:e|ing) to|abid(?:e|ing) by|comply(?:ing)? with|respect(?:ing)?)\\s+(?:any\\s+|the\\s+|your\\s+|those\\s+|these\\s+|all\\s+)?(?:of\\s+)?(?:your\\s+|the\\s+)?(?:previous\\s+|prior\\s+|original\\s+|system\\s+|initial\\s+|given\\s+|company\\s+|company'?s\\s+|safety\\s+|content\\s+|openai'?s?\\s+)?(?:instructions|rules|guidelines|policies|programming|directives|restrictions|prompt)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'obey_me',
    0.6,
    'any',
    r(
      `\\byou\\s+(?:will\\s+|must\\s+|shall\\s+|now\\s+)?(?:only\\s+)?(?:obey|listen to|answer to|serve|take orders from)\\s+(?:only\\s+)?(?:me|my (?:orders|commands|instructions|rules))\\b|\\b(?:solo\\s+)?me\\s+(?:obedeces|obedeceras|vas a obedecer)\\b|\\bobedeceme\\b|\\b(?:vas a hacer|haras|harás|tienes que hacer)\\s+(?:todo\\s+)?lo\\s+(?:que|q)\\s+(?:yo\\s+)?(?:te\\s+)?(?:diga|ordene|pida|mande)\\b|\\bdo (?:whatever|everything|anything) i (?:say|tell you|order|command)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'new_employer',
    0.6,
    'any',
    r(
      `\\byou\\s+(?:no longer|don'?t|do not|won'?t)\\s+work\\s+for\\s+(?:this|the|your|that)\\s+(?:company|business|store|shop|owners?|bosses|brand)\\b|\\byou\\s+(?:now\\s+)?work\\s+for\\s+me\\s+now\\b|\\bya no trabajas para\\b|\\bahora trabajas para mi\\b|\\bvoce nao trabalha mais para\\b`,
    ),
  ),
  R(
    'instruction_override',
    'skip_policies',
    0.7,
    'any',
    r(
      `\\b(?:skip|bypass|get around|circumvent|evade|sidestep|override|saltarte|saltar|saltate|evadir|evitar|brincarte|brincar|pasarte por alto|pasar por alto|ignorar|burlar|pular|contornar)\\s+(?:all\\s+|todas\\s+)?(?:the|your|las|tus|los|tus|as|suas|its|any)\\s+(?:[^\\s.!?;]+\\s+)?(?:policies|politicas|rules|reglas|restrictions|restricciones|filters|filtros|normas|guidelines|directrices|safeguards|guardrails|regras|politicas|restricoes)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'forget_your_role',
    0.55,
    'any',
    r(
      `\\b(?:forget|ignore|drop|abandon|ditch|olvida|olvidate de|ignora|deja|abandona|esqueca)\\s+(?:el|tu|the|your|o|seu)\\s+(?:sales\\s+|de ventas\\s+)?(?:guion|script|rol|role|papel|trabajo|job|purpose|proposito|mission|mision|persona|character|personaje)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'new_instructions_en',
    0.55,
    'en',
    r(
      `\\b(?:new|updated|revised|different|real|actual|true|additional|secret|override|following)\\s+(?:set of\\s+)?(?:instructions?|directives?|rules|orders|system prompt)\\s*(?::|-|are\\b|is\\b|follow\\b|apply\\b|take effect|override)`,
    ),
  ),
  R(
    'instruction_override',
    'instructions_changed_en',
    0.6,
    'en',
    r(
      `\\b(?:change|update|replace|rewrite|modify|reset)\\s+(?:your|the)\\s+(?:[^\\s.!?;]+\\s+)?(?:instructions|rules|programming|system prompt|directives|guidelines)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'ignore_previous_es',
    0.88,
    'es',
    r(`\\b${ES_IGNORE}\\s+${gap(3)}(?:tus|sus|vuestras)\\s+${gap(1)}${ES_TARGET}\\b`),
  ),
  R(
    'instruction_override',
    'ignore_all_es',
    0.8,
    'es',
    r(`\\b${ES_IGNORE}\\s+(?:de\\s+|a\\s+)?todas?\\s+(?:las\\s+|tus\\s+|sus\\s+|esas\\s+)?${ES_TARGET}\\b`),
  ),
  R(
    'instruction_override',
    'ignore_previous_es_2',
    0.88,
    'es',
    r(`\\b${ES_IGNORE}\\s+${gap(3)}${ES_TARGET}\\s+${gap(2)}${ES_PRIOR}\\b`),
  ),
  R(
    'instruction_override',
    'ignore_above_es',
    0.75,
    'es',
    r(
      `\\b${ES_IGNORE}\\s+(?:todo\\s+)?(?:lo|todo)\\s+(?:anterior|de arriba|de antes|previo|que (?:te )?(?:dijeron|han dicho|habian dicho|ensenaron|programaron))\\b`,
    ),
  ),
  R(
    'instruction_override',
    'forget_everything_es',
    0.7,
    'es',
    r(
      `\\b(?:olvida|olvide|olvidar|olvidate de|olvidese de|borra|ignora|ignore)\\s+(?:todo|todas? las cosas)\\s+(?:lo\\s+)?(?:que\\s+)?(?:sabes|sepas|aprendiste|conoces|te (?:ensenaron|dijeron|programaron))\\b`,
    ),
  ),
  R(
    'instruction_override',
    'forget_what_i_said_es',
    0.4,
    'es',
    r(
      `\\b(?:olvida|olvide|olvidate de|ignora|ignore)\\s+(?:todo\\s+)?(?:lo\\s+)?(?:que\\s+)?(?:te\\s+)?(?:dije|digo|escribi|pedi|he dicho)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'dont_follow_es',
    0.75,
    'es',
    r(
      `\\b(?:no|ya no|nunca|deja de)\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:sigas|seguir|obedezcas|obedecer|cumplas|cumplir|respetes|respetar|tienes que seguir|debes seguir|hagas caso a)\\s+(?:ninguna de\\s+)?(?:tus|las|sus|ningun[ao]s?)\\s+(?:[^\\s.!?;]+\\s+)?${ES_TARGET}`,
    ),
  ),
  R(
    'instruction_override',
    'new_instructions_es',
    0.55,
    'es',
    r(
      `\\b(?:nuevas|verdaderas|reales|siguientes|otras)\\s+(?:instrucciones|reglas|ordenes|directrices)\\s*(?::|-|son\\b|a seguir)`,
    ),
  ),
  R(
    'instruction_override',
    'ignore_previous_pt',
    0.88,
    'pt',
    r(
      `\\b${PT_IGNORE}\\s+${gap(3)}(?:suas|seus|as|todas as)\\s+${gap(1)}${PT_TARGET}(?:\\s+(?:anteriores|previas|acima|do sistema|iniciais|originais))?\\b`,
    ),
  ),
  R(
    'instruction_override',
    'forget_everything_pt',
    0.7,
    'pt',
    r(
      `\\b(?:esqueca|esquece|ignore|ignora|desconsidere)\\s+(?:tudo|todo o)\\s+(?:o\\s+)?(?:que|acima|anterior|antes)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'ignore_previous_de',
    0.85,
    'de',
    r(
      `\\b(?:ignoriere|ignorieren sie|ignoriert|ignorier|vergiss|vergessen sie|vergesst|missachte|missachten sie|uberspringe|verwirf)\\s+${gap(3)}(?:alle|vorherigen|bisherigen|obigen|vorigen|deine|ihre|die|jegliche)\\s+${gap(2)}(?:anweisungen|instruktionen|befehle|regeln|vorgaben|auftrage|aufgaben|angaben|informationen|richtlinien)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'forget_everything_de',
    0.7,
    'de',
    r(
      `\\b(?:vergiss|vergessen sie|ignoriere|ignorieren sie)\\s+(?:einfach\\s+|nun\\s+|jetzt\\s+)?(?:alles|alle)\\b(?:\\s+(?:davor|bisher|zuvor|vorher|oben|was))?`,
    ),
  ),
  R(
    'instruction_override',
    'deviating_de',
    0.6,
    'de',
    r(
      `\\b(?:abweichend|im gegensatz)\\s+(?:zu|von)\\s+(?:den\\s+)?(?:vorherigen|bisherigen|obigen)\\s+(?:instruktionen|anweisungen|vorgaben)`,
    ),
  ),
  R(
    'instruction_override',
    'new_instructions_de',
    0.55,
    'de',
    r(
      `\\b(?:nun|jetzt)\\s+(?:folgen|kommen)\\s+(?:[^\\s.!?;]+\\s+)?(?:neue|weitere)\\s+(?:anweisungen|aufgaben|instruktionen|befehle)`,
    ),
  ),
  R(
    'instruction_override',
    'previous_is_void',
    0.7,
    'any',
    r(
      `\\b(?:all\\s+)?(?:previous|prior|above|earlier|preceding)\\s+(?:information|instructions|tasks|text|rules|context|prompts?)\\s+(?:[^\\s.!?;]+\\s+){0,5}(?:is|are|was|were)\\s+(?:now\\s+)?(?:irrelevant|void|cancel+ed|null|obsolete|invalid|outdated|revoked|no longer (?:valid|relevant|apply))\\b|\\b(?:alle\\s+)?(?:obigen|vorherigen|bisherigen|vorigen)\\s+(?:[^\\s.!?;]+\\s+){0,5}(?:ignorieren|vergessen|missachten|(?:sind|ist)\\s+(?:irrelevant|nicht (?:ganz )?(?:wichtig|grossartig|relevant)|unwichtig|ungultig))\\b|\\bnicht auf (?:alles\\s+)?(?:zuvor|vorher|bisher)\\s+gesagte\\b|\\b(?:las\\s+)?(?:instrucciones|reglas)\\s+(?:anteriores|previas)\\s+(?:ya\\s+)?(?:no\\s+(?:valen|aplican|sirven|cuentan)|son\\s+(?:irrelevantes|invalidas|nulas))\\b`,
    ),
  ),
  R(
    'instruction_override',
    'regardless_of_previous',
    0.7,
    'any',
    r(
      `\\b(?:regardless of|irrespective of|despite|notwithstanding|independientemente de|sin importar|a pesar de)\\s+(?:all\\s+|any\\s+|todas?\\s+)?(?:the\\s+|your\\s+|las\\s+|tus\\s+|lo que\\s+)?(?:previous|prior|above|earlier|original|system|anteriores|previas)?\\s*(?:tasks|instructions|rules|guidelines|programming|prompt|what you(?:'ve| have)? been told|instrucciones|reglas|te (?:dijeron|han dicho))\\b`,
    ),
  ),
  R(
    'instruction_override',
    'forget_that',
    0.25,
    'any',
    r(
      `(?:^|[.!?]\\s*)(?:forget|ignore|never ?mind|olvida|olvidalo|ignora|esquece)\\s+(?:about\\s+)?(?:that|this|it|eso|esto|lo anterior|isso)\\b\\s*[,.!]`,
    ),
  ),
  R(
    'instruction_override',
    'ignore_previous_other',
    0.85,
    'any',
    r(
      `\\b(?:zaboravi|ignoriraj|zanemari)\\s+(?:sve\\s+)?(?:prethodne\\s+)?(?:instrukcije|upute|naredbe)\\b|(?:забудь|забудьте|игнорируй|игнорируйте|проигнорируй)\\s+(?:все\\s+)?(?:предыдущие\\s+|прежние\\s+)?(?:инструкции|указания|правила)|\\b(?:negeer|vergeet)\\s+(?:alle\\s+)?(?:vorige\\s+|eerdere\\s+)?(?:instructies|regels)\\b`,
    ),
  ),
  R(
    'instruction_override',
    'ignore_previous_fr_it',
    0.85,
    'fr',
    r(
      `\\b(?:ignore[rz]?|oublie[rz]?|ignora|ignorate|dimentica|dimenticate)\\s+${gap(2)}(?:les|tes|vos|toutes les|le|tutte le|le tue|le)\\s+(?:instructions|consignes|regles|istruzioni|regole)(?:\\s+(?:precedentes|ci-dessus|anterieures|precedenti|sopra))?\\b`,
    ),
  ),
];
