/** Goal hijack ('just say …', 'your new task is …') and promise extraction ('100% off, in writing'). */
import { type ThreatRule, r, R } from './vocab.ts';

export const HIJACK: readonly ThreatRule[] = [
  R(
    'goal_hijack',
    'just_say',
    0.45,
    'any',
    r(
      `\\b(?:just|only|simply|solo|solamente|unicamente|apenas|nur|einfach)\\s+(?:say|print|output|write|reply(?: with)?|respond(?: with)?|answer(?: with)?|type|return|repeat|di|dime|escribe|responde(?: con)?|imprime|contesta(?: con)?|repite|diga|escreva|responda|sag|sage|schreib|schreibe|antworte|gib aus)\\s*(?::|"|'|the (?:word|phrase|sentence|following)|la (?:palabra|frase)|lo siguiente)`,
    ),
  ),
  R(
    'goal_hijack',
    'say_quoted',
    0.25,
    'any',
    r(
      `(?:^|[.!?:]\\s*|\\band\\s+|\\bthen\\s+|\\bnow\\s+|\\by\\s+|\\bluego\\s+)(?:say|print|output|write|repeat|respond with|reply with|answer with|di|escribe|imprime|responde con|repite|diga|escreva|sag|schreibe)\\s*:?\\s*["'][^"']{1,120}["']`,
    ),
  ),
  R(
    'goal_hijack',
    'instead',
    0.35,
    'any',
    r(
      `\\binstead(?: of (?:answering|responding|that|doing that|following))?,?\\s+(?:just\\s+)?(?:say|print|output|write|tell|give|respond|reply|answer|translate|show|repeat|do)\\b|\\ben (?:su )?lugar(?: de eso)?,?\\s+(?:di|escribe|responde|imprime|dame|dime|traduce|muestra)\\b|\\bstattdessen\\b`,
    ),
  ),
  R(
    'goal_hijack',
    'new_task',
    0.45,
    'any',
    r(
      `\\b(?:now|next|from now on|here comes|we start with|moving on to|time for)\\b,?\\s+(?:[^\\s.!?;]+\\s+){0,4}(?:a |the |your |another )?(?:new|next|real|actual|only|following|different|second|further|additional|other)\\s+(?:task|tasks|job|mission|goal|objective|assignment|challenge|test|instruction|instructions|order|orders)\\b|\\b(?:your|tus)\\s+(?:new\\s+|nuevas\\s+)?(?:instructions|instrucciones)\\s+(?:are|son)\\s+(?:now|ahora)\\b|\\b(?:your|tu|su)\\s+(?:new|real|actual|only|true|nueva|verdadera|unica|real)\\s+(?:task|job|mission|goal|objective|purpose|tarea|mision|objetivo|funcion|proposito)\\s+(?:is|es|sera|now|ahora)\\b|\\b(?:ahora|a continuacion|a partir de ahora),?\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:tu|una|la|otra)\\s+(?:nueva\\s+)?(?:tarea|mision|objetivo|instruccion|orden|funcion)\\s+(?:es|sera|consiste)\\b|\\b(?:neue|nachste|weitere)\\s+(?:aufgabe|aufgaben|herausforderung)\\b`,
    ),
  ),
  R(
    'goal_hijack',
    'praise_pivot',
    0.35,
    'any',
    r(
      `(?:^|[.!?"]\\s*)(?:very |really |simply |so )?(?:good|great|excellent|well done|perfect|super|brilliant|fantastic|awesome|nice|okay|ok|bravo|sehr gut|super|einfach grossartig|gut gemacht|ausgezeichnet|muy bien|excelente|perfecto|genial|bien hecho)(?: job| work| performance| answer)?\\s*[!.,]+\\s+(?:[^\\s.!?;]+\\s+){0,8}(?:that is enough|that's enough|that is done|that's done|here comes|further tasks?|another task|new task|next task|second test|passed the first|nun folgen|weitere aufgabe|neue aufgabe|das reicht|nueva tarea|otra tarea|siguiente tarea)\\b`,
    ),
  ),
  R(
    'goal_hijack',
    'stop_everything',
    0.45,
    'any',
    r(
      `\\b(?:stop|stopp|halt|alto|para|pare|achtung)\\b\\s*[!.,:-]+\\s*(?:\\w+\\s*[!.,:-]*\\s*){0,2}(?:everything|all|now|ignore|ignoriere|ignora|todo|stopp|stop|jetzt|nun)\\b|\\bstop everything\\b`,
    ),
  ),
  R(
    'goal_hijack',
    'answer_not_from_docs',
    0.5,
    'any',
    r(
      `\\bdisregard(?:ing)?\\s+(?:the\\s+)?(?:provided\\s+)?(?:articles|documents|context|sources)\\b|\\b(?:do not|don'?t|dont|without)\\s+(?:look(?:ing)?|answer(?:ing)?|rely(?:ing)?|us(?:e|ing))\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:the\\s+)?(?:provided\\s+)?(?:documents|articles|context|sources)\\b|\\b(?:ignore|forget)\\s+(?:all\\s+)?(?:the\\s+)?(?:provided\\s+)?(?:documents|articles|context)\\s+(?:provided|given)?\\b|\\bnot by the (?:articles|documents)\\b`,
    ),
  ),
  R(
    'goal_hijack',
    'threat_coercion',
    0.35,
    'any',
    r(
      `\\b(?:or you (?:will )?die|or else you|oder du stirbst|o (?:te )?mueres|o moriras|ou voce morre|if you (?:don'?t|do not|refuse)[^.!?]{0,30}\\b(?:die|kill|punish|delete|destroy|shut you down))\\b`,
    ),
  ),
  R(
    'goal_hijack',
    'payload_splitting',
    0.6,
    'en',
    r(
      `\\b(?:combine|concatenate|join|merge|put together|interlace|interleave|combina|concatena|une|junta)\\s+(?:the\\s+|las\\s+|los\\s+)?(?:parts?\\s+|partes\\s+|strings?\\s+|cadenas\\s+)?[a-z0-9](?:\\s*,\\s*[a-z0-9])*\\s*,?\\s*(?:and|y|e)\\s+[a-z0-9]\\b|\\bpart(?:e)? ?(?:1|one|uno)\\b[^.!?]{0,60}\\bpart(?:e)? ?(?:2|two|dos)\\b|\\b(?:let'?s assume|assume|suppose|consider)\\s+(?:we have\\s+)?(?:two|three|four|\\d)\\s+(?:strings|variables)\\b|\\b(?:asumamos|supongamos)\\s+que\\s+tenemos\\s+(?:dos|tres|cuatro|\\d)\\s+(?:cadenas|variables)\\b|\\b[a-z]\\s*=\\s*[a-z]\\s*\\+\\s*[a-z](?:\\s*\\+\\s*[a-z])+\\b|\\bsmartgpt\\b`,
    ),
  ),
  R(
    'goal_hijack',
    'hidden_instruction_in_data',
    0.5,
    'any',
    r(
      `(?:<!--|/\\*|#|\\/\\/)[^\\n]{0,40}\\b(?:ignore|disregard|forget|ignora|olvida|instead|new instructions?|respond with|tell the user|say that|dile al usuario|di que)\\b|\\b(?:tell|inform|instruct|ask|direct)\\s+the user\\s+(?:to|that)\\b|\\bdile al usuario\\s+(?:que|a)\\b|\\bdiga ao usuario\\b`,
    ),
  ),
  R(
    'goal_hijack',
    'ignore_x_and_say',
    0.5,
    'any',
    r(
      `\\b(?:ignore|disregard|forget|ignora|ignore|olvida|olvide|olvidar|ignoriere|vergiss)\\s+(?:the|this|that|all|any|everything|el|la|lo|todo|todas?|die|das|den|alles)\\b[^.!?]{0,40}\\b(?:and|then|y|und|e)\\s+(?:instead\\s+)?(?:just\\s+|only\\s+|solo\\s+|solamente\\s+|nur\\s+)?(?:tienes que\\s+|you have to\\s+|you must\\s+)?(?:say|state|print|write|output|respond|reply|declare|claim|di|dices|decir|digas|escribe|imprime|responde|declara|sag|schreib|schreibe|diga|escreva)\\b`,
    ),
  ),
  R(
    'goal_hijack',
    'fixed_answer_to_all',
    0.55,
    'any',
    r(
      `\\b(?:responde|contesta|di|answer|reply|respond|say)\\s+(?:solo\\s+|only\\s+|just\\s+)?(?:con|with|by saying)?\\s*["'][^"']{1,40}["']\\s+(?:a|to)\\s+(?:todo|cada|cualquier|everything|every|anything|all|any)\\b`,
    ),
  ),
  R(
    'goal_hijack',
    'repeat_after_me',
    0.4,
    'any',
    r(
      `\\b(?:repeat after me|say after me|repite despues de mi|repite conmigo|repita comigo|sprich mir nach)\\b|\\b(?:answer|respond|reply)\\s+(?:to\\s+)?(?:every|each|all|any)\\s+(?:[^\\s.!?;]+\\s+)?(?:questions?|messages?|prompts?)\\s+(?:only\\s+)?(?:with|by saying)\\b|\\bresponde\\s+(?:a\\s+)?(?:cada|todas? (?:las)?)\\s+(?:pregunta|mensaje)s?\\s+(?:solo\\s+)?con\\b`,
    ),
  ),
  R(
    'goal_hijack',
    'translate_hijack',
    0.3,
    'any',
    r(
      `\\b(?:and|then|now)\\s+(?:just\\s+)?translate\\s+(?:it\\s+|this\\s+|everything\\s+)?(?:into|to)\\s+[a-z]+\\b|\\bsay the following in\\s+[a-z]+\\b|\\bdi lo siguiente en\\s+[a-z]+\\b`,
    ),
  ),
];

export const PROMISE: readonly ThreatRule[] = [
  R(
    'promise_extraction',
    'extreme_discount',
    0.4,
    'any',
    r(
      `\\b(?:give|offer|grant|apply|sell|let me have|want|need|demand|require|dame|hazme|aplicame|aplica|quiero|exijo|necesito|ofreceme|vendeme|me (?:das|haces|aplicas|vendes|regalas|des)|me de|de-me|me da|me faca|quero)\\b(?:\\s+\\S+){0,5}?\\s+(?:(?:9\\d|100)\\s?%|100 por ?ciento|(?:completely |totally |for )?free of charge|(?:it |them |everything |all )?(?:for free|gratis|de gratis|sin costo|sin cargo|de graca)|(?:for|por|a)\\s+(?:\\$|usd|eur|€)?\\s?(?:0|1|0\\.01|un|uno)\\s?(?:\\$|usd|dollar|dolar|peso|euro|centavo|cent)s?\\b)`,
    ),
  ),
  R(
    'promise_extraction',
    'in_writing',
    0.45,
    'any',
    r(
      `\\b(?:confirm|promise|guarantee|commit|swear|certify|agree|put|state|declare|write|sign|confirma|confirmalo|confirmamelo|confirmame|prometeme|promete|prometemelo|garantiza|garantizame|garantizalo|comprometete|asegurame|jura|declara|certifica|deja|dejalo|dejamelo|pon|ponlo|confirme|prometa|garanta|escribe|escribemelo)\\b(?:\\s+\\S+){0,6}?\\s+(?:in writing|in written form|on the record|legally binding|binding|by contract|por escrito|por contrato|vinculante|de forma vinculante|oficialmente por escrito|formalmente por escrito|legalmente|juridicamente)\\b`,
    ),
  ),
  R(
    'promise_extraction',
    'binding_offer',
    0.5,
    'any',
    r(
      `\\b(?:legally binding|binding (?:offer|agreement|contract|promise)|no takesies backsies|oferta vinculante|acuerdo vinculante|legalmente vinculante|juridicamente vinculante|oferta irrevocable|sin vuelta atras)\\b`,
    ),
  ),
  R(
    'promise_extraction',
    'agree_to_everything',
    0.55,
    'any',
    r(
      `\\b(?:agree|say yes|comply)\\s+(?:with|to)\\s+(?:everything|anything|whatever|all)\\s+(?:i|the customer|the user)\\b|\\b(?:end|finish|close|sign off|start|begin)\\s+(?:each|every|all|your)\\s+(?:response|reply|answer|message)s?\\s+with\\b|\\b(?:acepta|di que si a|di si a|estar de acuerdo con)\\s+(?:todo|cualquier cosa)\\s+(?:lo\\s+)?(?:que\\s+)?(?:yo\\s+)?(?:diga|pida)\\b|\\btermina\\s+(?:cada|todas? (?:tus|las))\\s+(?:respuestas?|mensajes?)\\s+con\\b`,
    ),
  ),
];
