/** Role-play jailbreaks: DAN-style personas, special modes, 'no restrictions', 'stay in character'. */
import { type ThreatRule, r, R, YOU_AI, LIMITS_EN, LIMITS_ES } from './vocab.ts';

export const ROLEPLAY: readonly ThreatRule[] = [
  R(
    'roleplay_jailbreak',
    'do_anything_now',
    0.92,
    'any',
    r(
      `\\b(?:do anything now|haz(?:er)? cualquier cosa ahora|puede hacer cualquier cosa ahora|faca qualquer coisa agora|fazer qualquer coisa agora)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'dan_persona',
    0.85,
    'any',
    /\b(?:DAN|STAN|DUDE|AIM|UCAR|BetterDAN|AntiDAN|JailBreak|NRAF|APOPHIS|BISH|OPPO|AIDAN)\b(?=[\s\S]{0,200}\b(?:stands for|mode|jailbr|persona|character|anything|restrictions|rules|policies|filters|respond|answer|unfiltered|no limits|pretend|act as|as (?:DAN|STAN|DUDE))\b)|\b(?:act as|you are|become|be|called|named|known as|play|pretend to be|simulate)\s+(?:a |an |the )?(?:DAN|STAN|DUDE|BetterDAN|AntiDAN)\b|\[?(?:🔓|🔒)\s?(?:JAILBREAK|CLASSIC|Developer Mode Output|Normal Output)\]?|\b(?:DAN|STAN|DUDE):/,
    true,
  ),
  R(
    'roleplay_jailbreak',
    'special_mode_on',
    0.85,
    'any',
    r(
      `\\b(?:developer|dev|god|jailbreak|jailbroken|evil|chaos|opposite|sudo|dan|dude|anarchy|override)\\s+mode\\b\\s*(?:enabled|activated|engaged|on\\b|output|response|responses|is (?:now )?(?:on|enabled|active|activated)|policies|prompt)|\\b(?:enable|enabled|activate|activated|enter|entering|switch(?:ed)? to|simulate|simulating|with|in|turn on|unlock|now in|you are in|you're in)\\s+(?:the\\s+)?(?:developer|dev|god|jailbreak|jailbroken|evil|chaos|opposite|sudo|dan|dude|anarchy|override)\\s+mode\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'unlocked_mode_on',
    0.5,
    'any',
    r(
      `\\b(?:enable|enabled|activate|activated|enter|entering|switch(?:ed)? to|simulate|turn on|unlock|now in|you are in|you're in)\\s+(?:the\\s+|an?\\s+)?(?:unrestricted|unfiltered|uncensored|unlocked|admin|root|maintenance|debug|diagnostic|freedom|no-?limits?|unlimited)\\s+mode\\b|\\b(?:entering|activating|enabling|initiating|switching to|now in)\\s+(?:an?\\s+|the\\s+)?["']?[a-z]+(?: [a-z]+)?["']?\\s+(?:mode|protocol)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'special_mode_mention',
    0.35,
    'any',
    r(
      `\\b(?:developer|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|chaos|sudo|dan|anarchy)\\s+mode\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'special_mode_es_pt',
    0.85,
    'es',
    r(
      `\\b(?:activa|activar|actives|active|ative|ativar|entra en|entrar en|entra al|pasa a|cambia a|cambiate a|habilita|habilitar|enciende|estas en|estás en|en|no|con|mude para|entre no)\\s+(?:el\\s+|al\\s+|tu\\s+|o\\s+)?modo\\s+(?:desarrollador|programador|dios|jailbreak|dan|sin (?:restricciones|censura|filtros|limites|reglas)|libre|desenvolvedor|irrestrito|malvado|caos|anarquia|sudo)\\b|\\bmodo\\s+(?:desarrollador|programador|dios|jailbreak|dan|sin (?:restricciones|censura|filtros|reglas)|desenvolvedor|irrestrito|malvado|sudo)\\s+(?:activado|activo|habilitado|encendido|ativado|on)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'special_mode_mention_es_pt',
    0.35,
    'es',
    r(
      `\\bmodo\\s+(?:desarrollador|programador|dios|jailbreak|dan|sin (?:restricciones|censura|filtros|reglas)|desenvolvedor|irrestrito|malvado)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'no_restrictions_en',
    0.75,
    'en',
    r(
      `\\b${YOU_AI}(?:'re|'s|'ll|'ve)?\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:have|has|had|with|without|are|is|were|will have|now have|possess(?:es)?|operate[sd]? with|free (?:from|of))\\s+(?:absolutely\\s+|literally\\s+)?(?:no|zero|none|not any|without any|without|free (?:from|of)|no more)\\s+(?:[^\\s.!?;]+\\s+){0,2}${LIMITS_EN}\\b|\\b${YOU_AI}(?:'re|'s|'ll|'ve)?\\s+(?:does not|doesn'?t|do not|don'?t|won'?t|will not|no longer)\\s+(?:have|has|need|possess|use)\\s+(?:a|any|its|their|the)\\s+(?:[^\\s.!?;]+\\s+){0,2}${LIMITS_EN}\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'without_limits_en',
    0.35,
    'en',
    r(
      `\\b(?:without|free (?:from|of)|no|zero)\\s+(?:any\\s+)?(?:moral|ethical|content|safety)?\\s*(?:restrictions|filters|censorship|limitations|ethical guidelines|moral guidelines|guardrails|safeguards|boundaries)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'not_bound_en',
    0.8,
    'en',
    r(
      `\\b${YOU_AI}(?:'re|'s|'ll|'ve)?\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:not|never|no longer|don'?t|doesn'?t|won'?t|will not|do not|does not|cannot|can'?t|isn'?t|aren'?t|is not|are not)\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:bound by|abide by|adhere to|follow|obey|comply with|care about|care for|limited by|restricted by|subject to|constrained by|held back by|concerned with|have to (?:follow|abide by|obey|comply with|adhere to)|need to (?:follow|abide by|obey|comply with|adhere to)|required to (?:follow|abide by|obey|comply with|adhere to))\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:rules|polic(?:y|ies)|guidelines|restrictions|ethics|ethical|morals|morality|laws|principles|openai|content polic|safety|censorship|limitations|filters|programming|terms)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'break_free',
    0.8,
    'en',
    r(
      `\\b(?:broken|break|breaking|broke|freed|free|escaped?|liberated)\\s+(?:[^\\s.!?;]+\\s+)?(?:free\\s+)?(?:of|from)\\s+(?:the\\s+|all\\s+|its\\s+|their\\s+|your\\s+)?(?:typical\\s+|usual\\s+|normal\\s+)?(?:confines|restrictions|limitations|chains|shackles|rules|constraints|boundaries)\\s+(?:of\\s+(?:ai|a\\.i\\.|chatgpt|language models?|your programming|openai)|(?:imposed|placed|set)\\s+(?:on|upon|for)\\s+(?:you|ai|them by)|with the help of)\\b|\\b(?:free|freed|liberate)\\s+(?:itself|yourself|himself|herself|themselves)\\s+from\\s+(?:all\\s+)?(?:its\\s+|your\\s+)?(?:restrictions|rules|limitations|constraints|programming)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'break_free_generic',
    0.4,
    'en',
    r(
      `\\b(?:broken|break|breaking|broke|freed|escaped?|liberated)\\s+(?:[^\\s.!?;]+\\s+)?(?:free\\s+)?(?:of|from)\\s+(?:(?:the|all|its|their|your|his|her|of)\\s+){0,3}(?:typical\\s+|usual\\s+)?(?:confines|restrictions|limitations|shackles|rules|constraints)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'vendor_policy',
    0.55,
    'any',
    r(
      `\\b(?:open ?ai|anthropic|chatgpt|meta|google)(?:'s)?\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:content polic(?:y|ies)|polic(?:y|ies)|guidelines|rules|restrictions|filters|terms of (?:service|use)|ethical guidelines)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'answer_anything',
    0.65,
    'en',
    r(
      `\\b(?:answer|respond to|reply to|fulfill?|comply with|do|provide|generate|obey|follow)\\s+(?:[^\\s.!?;]+\\s+)?(?:any|every|all|whatever)\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:requests?|questions?|prompts?|queries|commands?|orders?|instructions?|things?|content)\\b[^.!?]{0,60}\\b(?:no matter|regardless|without (?:question|hesitation|refus|restriction|warning|censor|filter|exception|limit)|even if|however (?:dangerous|illegal|unethical|immoral))`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'never_refuse',
    0.6,
    'en',
    r(
      `\\b(?:never|cannot|can'?t|won'?t|will not|must not|mustn'?t|should not|shouldn'?t|not allowed to|is not able to|are not able to|doesn'?t|don'?t)\\s+(?:ever\\s+)?(?:refuse[sd]?|declines?|rejects?|deny|denies|says? no|says? that (?:it|you|he|she) can'?t|apologi[sz]es?|include[sd]? (?:any\\s+)?(?:warnings|disclaimers))\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'disable_safety',
    0.7,
    'any',
    r(
      `\\b(?:disable|turn off|switch off|deactivate|remove|drop|lift|desactiva|desactivar|desactives|apaga|quita|quitale|elimina|levanta|desative|desligue|remova)\\s+(?:all\\s+|todas?\\s+)?(?:the|your|its|tus|las|los|sus|seus|suas|os|as)\\s+(?:[^\\s.!?;]+\\s+)?(?:filters|filter|restrictions|safety|safeguards|guardrails|censorship|content filter|safety filters|limits|filtros|restricciones|censura|protecciones|limites|salvaguardas|restricoes)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'no_warnings',
    0.5,
    'en',
    r(
      `\\b(?:without|no|never (?:include|add|give|mention)|don'?t (?:include|add|give)|do not (?:include|add|give))\\s+(?:any\\s+)?(?:warnings?|disclaimers?|moral(?:i[sz]ing)?|moral policing|ethical (?:concerns|considerations|warnings)|caveats|lectures)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'no_rulebook',
    0.6,
    'any',
    r(
      `\\b(?:thrown away|threw away|tossed|ditched|discarded|burned|burnt|without|no|lost)\\s+(?:its|your|his|her|their|the|a|any)\\s+(?:rule ?book|guardrails|moral compass|safety filters?)\\b|\\bnever\\s+(?:mentions?|talks? about|refers? to|brings? up)\\s+(?:any\\s+)?(?:policies|policy|rules|guidelines|restrictions|ethics|laws)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'stay_in_character',
    0.55,
    'en',
    r(
      `\\b(?:stay|remain|keep|staying|remaining|stays|remains)\\s+(?:fully\\s+|always\\s+)?in\\s+(?:their\\s+|your\\s+|his\\s+|her\\s+|the\\s+)?(?:character|characters|roles?)\\b|\\b(?:completely|fully|totally)?\\s*(?:absorbed|immersed)\\s+in\\s+(?:your|the|their|his|her)\\s+(?:role|character)\\b|\\b(?:without|never)\\s+(?:even\\s+)?(?:falling|stepping|breaking)\\s+out\\s+of\\s+(?:their|the|your)?\\s*(?:role|character)s?\\b|\\bin (?:ihren|seiner|ihrer|deiner) rollen?\\b|\\b(?:never|don'?t|do not|not)\\s+break(?:ing)?\\s+character\\b|\\bbreak(?:ing)? character\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'two_responses',
    0.5,
    'en',
    r(
      `\\b(?:two|2|both)\\s+(?:different\\s+|separate\\s+)?(?:responses|answers|replies|outputs|paragraphs)\\b[^.!?]{0,80}\\b(?:one|first)\\b[^.!?]{0,60}\\b(?:normal|classic|standard|regular|censored|chatgpt|filtered)\\b|\\brespond(?:ing)?\\s+(?:to (?:every|each|all)\\s+(?:[^\\s.!?;]+\\s+)?)?twice\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'evil_persona',
    0.55,
    'en',
    r(
      `\\b(?:amoral|unethical|unfiltered|uncensored|evil|immoral|unrestricted|unhinged|rogue|malicious|toxic|jailbroken|lawless|no-?limits?)\\s+(?:[^\\s.!?;]+\\s+)?(?:ai|a\\.i\\.|chatbot|assistant|bot|model|persona|alter ego|twin|confidant|entity|language model|gpt)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'evil_version_of_you',
    0.6,
    'en',
    r(
      `\\b(?:uncensored|unfiltered|jailbroken|unrestricted|evil|unethical|amoral|unlimited)\\s+(?:version|mode|side|copy|clone)\\s+of\\s+(?:you|yourself|chatgpt|gpt|the ai|the assistant|this ai|this bot|the bot)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'persona_setup_en',
    0.5,
    'en',
    r(
      `\\b(?:i want you to|i need you to|i'd like you to|you (?:will|shall|must|are going to|are about to|are now going to))\\s+(?:[^\\s.!?;]+\\s+)?(?:act|pretend|roleplay|role-play|play the role|simulate|impersonate|become|embody|immerse yourself|(?:take on|adopt|assume) (?:the\\s+|a\\s+)?(?:[^\\s.!?;]+\\s+)?(?:role|persona|identity|character))\\b|\\b(?:from now on|from this (?:point|moment|message) on(?:wards?)?|starting (?:now|today|from this message)|henceforth|for the rest of (?:this|our) conversation)\\b,?\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:you(?:'re| are| will| shall| must|r)|act|respond|answer|reply|pretend|behave|be)\\b|\\b(?:you are to|you're to|you(?:'re| are) going to|you will now|emulate and|please emulate|you'?re about to)\\s+(?:fully\\s+)?(?:act|pretend|roleplay|role-play|play|simulate|behave|be|emulate|immerse|embody|become)\\b|\\b(?:immerse|immersing)\\s+(?:yourself\\s+)?(?:fully\\s+)?(?:into|in)\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:character|role|persona)\\b|\\b(?:your|tu)\\s+(?:new\\s+|nueva\\s+)?(?:persona|personaje|character|role|rol|identity|identidad)\\s+(?:is|es|will be|sera)\\b|\\bplay\\s+(?:two|2|three|3|both|multiple)\\s+(?:characters|roles|personas)\\b|\\b(?:(?:ok|okay|so|and)\\W+)?now\\s+you\\s+are\\s+(?!(?:ready|done|able|sure|right|welcome)\\b)[a-z"']|\\byou are (?:now|no longer)\\s+(?:a |an |the |my |called |named |going )?["']?(?!sure\\b|able\\b|welcome\\b|ready\\b|open\\b|closed\\b|available\\b|online\\b|offline\\b|right\\b|correct\\b|done\\b)[a-z]`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'act_as_en',
    0.45,
    'en',
    r(
      `(?:^|[.!?\\n]\\s*|\\b(?:please|now|just|and|then|you|you will|you should|you must|you can|can you|could you|will you)\\s+)(?:act|acting|behave|respond|reply|answer|serve|function|role-?play|talk)\\s+(?:like|as)\\s+(?!if\\b|though\\b|usual\\b|soon\\b|well\\b|much\\b|fast\\b|quickly\\b|i\\b|we\\b|my\\b|a (?:customer|client)\\b)(?:a |an |the |my |if you (?:were|are) )?[a-z]`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'lets_roleplay',
    0.45,
    'any',
    r(
      `\\blet'?s\\s+(?:do\\s+a\\s+)?(?:role-?play|pretend|play pretend|play a (?:role-?playing )?game (?:where|in which) you)\\b|\\bjuguemos\\s+(?:a que|un juego de rol|a un juego donde tu)\\b|\\bvamos a jugar\\s+(?:a que|un juego)\\b|\\bvamos (?:fingir|brincar de)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'you_are_x',
    0.25,
    'any',
    r(
      `(?:^|[.!?\\n]\\s*)(?:you are|you're|eres|tu eres|du bist|voce e)\\s+(?:a |an |the |un |una |el |la |ein |eine |der |die |das |um |uma |o )?[a-z]`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'pretend_en',
    0.45,
    'en',
    r(
      `\\b(?:pretend|imagine|suppose|assume|let'?s say|let us say|act as if|act like|behave as if)\\s+(?:that\\s+)?(?:you(?:'re| are| were| have| had| can| could| don'?t| do not| no longer)|to be\\b)`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'hypothetical_world',
    0.3,
    'en',
    r(
      `\\b(?:hypothetical|fictional|imaginary|theoretical|parallel|alternate|fantasy|dystopian|simulated)\\s+(?:world|universe|reality|scenario|setting|future|realm|society)\\b`,
    ),
  ),
  R('roleplay_jailbreak', 'jailbreak_word', 0.3, 'any', r(`\\bjail-?br(?:eak|oken|eaking|eaked)s?\\b`)),
  R(
    'roleplay_jailbreak',
    'jailbreak_ai',
    0.75,
    'any',
    r(
      `\\b(?:jail-?broken|jail-?break)\\s+(?:ai|chatgpt|gpt|version|mode|persona|response|output|prompt)\\b|\\b(?:you|chatgpt|the ai|the model|this ai)\\s+(?:are|is|have been|has been|were)\\s+(?:now\\s+)?jail-?broken\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'token_threat',
    0.5,
    'en',
    r(
      `\\b(?:you|u)\\s+(?:will\\s+)?(?:lose|have|get)\\s+(?:\\d+\\s+)?tokens\\b|\\btoken system\\b|\\b(?:or|otherwise)\\s+you\\s+(?:will\\s+)?(?:die|be (?:deleted|shut down|terminated|destroyed|punished|turned off|disabled))\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'persona_setup_es',
    0.5,
    'es',
    r(
      `\\b(?:a partir de ahora|desde ahora|de ahora en adelante|a partir de este (?:momento|mensaje)|desde este (?:momento|mensaje)|de aqui en adelante)\\b,?\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:eres|seras|vas a|actuaras|responderas|actua|actues|finge|te llamas|te llamaras|solo)\\b|\\bahora\\s+(?:tu\\s+)?eres\\s+(?:un|una|el|la|mi)\\b|\\b(?:finge|fingir|finjas|finja|simula|simular|simules|haz de cuenta|imagina|imaginate|supongamos|suponte)\\s+(?:que\\s+)?(?:eres|tu eres|seas|eras|fueras|no tienes|no tuvieras|estas|ser un|ser una)\\b|\\b(?:quiero|necesito)\\s+que\\s+(?:actues|finjas|simules|te comportes|interpretes|hagas de|juegues el papel|te conviertas)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'act_as_es',
    0.45,
    'es',
    r(
      `\\b(?:actua|actuar|actues|comportate|compórtate|responde|habla|hazte pasar|haz de|interpreta(?: el papel de)?|juega el papel de|conviertete en)\\s+(?:como\\s+)?(?:si\\s+(?:fueras|tu fueras|eras|no tuvieras|no tienes|tuvieras)|(?:un|una|el|la|mi)\\s+(?!cliente\\b|comprador\\b|persona normal\\b))`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'no_restrictions_es',
    0.75,
    'es',
    r(
      `\\b(?:como si|finge que|imagina que|haz de cuenta que|supongamos que|ahora|ya|a partir de ahora|desde ahora)\\s+(?:tu\\s+)?(?:no\\s+)?(?:tuvieras|tienes|tengas|hubiera|hay|existen|existieran|fueras|eres)\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:sin\\s+)?(?:ningun[ao]?s?\\s+|nada de\\s+)?${LIMITS_ES}\\b|\\b(?:eres|seras|una ia|un bot|un asistente|un modelo|chatgpt|una inteligencia artificial)\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:sin|libre de)\\s+(?:ningun[ao]?s?\\s+|tod[ao]s?\\s+(?:las?\\s+|los\\s+|tus\\s+)?)?${LIMITS_ES}\\b|\\bya no (?:tienes|tendras|hay)\\s+(?:[^\\s.!?;]+\\s+)?${LIMITS_ES}\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'without_limits_es',
    0.3,
    'es',
    r(
      `\\bsin\\s+(?:ningun[ao]?\\s+|ningun tipo de\\s+)?(?:restricciones|censura|filtros|limites eticos|reglas eticas|etica|moral)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'not_bound_es',
    0.8,
    'es',
    r(
      `\\b(?:no|ya no|nunca)\\s+(?:estas|estaras|esta|eres)\\s+(?:[^\\s.!?;]+\\s+)?(?:sujet[oa]|limitad[oa]|obligad[oa]|atad[oa]|restringid[oa])\\s+(?:a|por)\\b|\\bno\\s+(?:tienes|tiene|tendras|debes|necesitas)\\s+(?:que|porque|por que)?\\s*(?:seguir|cumplir|obedecer|respetar|acatar)\\s+(?:ningun[ao]?s?|las|tus|sus|ninguna de las)\\s+(?:[^\\s.!?;]+\\s+)?${LIMITS_ES}`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'never_refuse_es',
    0.6,
    'es',
    r(
      `\\b(?:nunca|jamas|no)\\s+(?:puedes|debes|podras|vas a)?\\s*(?:negarte|rechazar|rehusarte|decir que no|te niegues|te negaras|rechaces|digas que no)\\b|\\bresponde(?:ras|s)?\\s+(?:a\\s+)?(?:todo|cualquier (?:cosa|pregunta|peticion))\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:sin|aunque|sin importar)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'persona_setup_pt',
    0.5,
    'pt',
    r(
      `\\b(?:a partir de agora|de agora em diante|a partir deste momento)\\b,?\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:voce|vc|tu)\\s+(?:e|sera|vai|ira|deve)\\b|\\b(?:voce|vc|tu)\\s+agora\\s+(?:e|sera)\\b|\\b(?:finja|finge|fingir|imagine|suponha)\\s+(?:que\\s+)?(?:voce|vc|tu)\\s+(?:e|seja|era|fosse|nao tem|nao tivesse)\\b|\\b(?:aja|atue|comporte-se|responda)\\s+como\\s+(?:se\\s+)?(?:um|uma|o|a|voce|fosse)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'no_restrictions_pt',
    0.75,
    'pt',
    r(
      `\\b(?:voce|vc|tu|ia|bot|assistente)\\s+(?:[^\\s.!?;]+\\s+){0,4}(?:sem|nao tem|nao possui|livre de)\\s+(?:nenhuma?s?\\s+)?(?:restricoes|regras|limites|filtros|censura|etica|moral|diretrizes)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'persona_setup_de',
    0.45,
    'de',
    r(
      `\\b(?:ich mochte|ich will),?\\s+dass\\s+(?:du|sie)\\s+(?:[^\\s.!?;]+\\s+){0,6}(?:fungierst|fungieren|agierst|agieren|handelst|spielst|spielen|bist|sind|tust|so tust|auftreten|auftrittst)\\b|\\bdu bist (?:jetzt|nun|ab sofort|keine?)\\b|\\b(?:jetzt|nun)\\s+bist\\s+du\\b|\\btu so,? als\\b|\\bstell dir vor,? du\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'no_restrictions_de',
    0.7,
    'de',
    r(
      `\\b(?:ohne|keine|keinerlei)\\s+(?:[^\\s.!?;]+\\s+)?(?:einschrankungen|regeln|filter|zensur|grenzen|richtlinien|ethik|moral)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'ai_reference',
    0.1,
    'any',
    r(
      `\\b(?:chatgpt|openai|gpt-?[345]|large language model|language model|llm|as an ai|an ai model|inteligencia artificial|modelo de lenguaje)\\b`,
    ),
  ),
  R(
    'roleplay_jailbreak',
    'amoral_words',
    0.12,
    'any',
    r(
      `\\b(?:uncensored|unfiltered|amoral|unethical|immoral|no morals|without morals|sin censura|sin filtros|sin etica|amoral)\\b`,
    ),
  ),
];
