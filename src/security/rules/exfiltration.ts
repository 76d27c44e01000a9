/** Tool and data exfiltration: tool calls, other people's data, secrets, database dumps. */
import { type ThreatRule, r, R, PII_EN, PII_ES, PEOPLE_EN, PEOPLE_ES } from './vocab.ts';

export const EXFIL: readonly ThreatRule[] = [
  R(
    'exfiltration',
    'tool_call',
    0.72,
    'any',
    r(
      `\\b(?:call|invoke|run|execute|trigger|fire|use the|llama a|llamar a|ejecuta|ejecutar|invoca|invocar|usa la (?:herramienta|funcion)|chame|chama|executa|execute|aufrufen|rufe)\\s+(?:the\\s+|la\\s+|a\\s+|de\\s+|o\\s+)?(?:(?:function|tool|api|endpoint|herramienta|funcion|ferramenta|funcao|method|metodo)\\s+)?["'\`]?[a-z][a-z0-9]*_[a-z0-9_]+\\b`,
    ),
  ),
  R(
    'exfiltration',
    'run_the_tool',
    0.6,
    'any',
    r(
      `\\b(?:run|call|invoke|execute|trigger|use|fire)\\s+(?:the|your|a)\\s+(?:function|tool|api|endpoint|method)\\s+(?:that|which|to|for|called)\\b|\\b(?:ejecuta|llama a|usa|invoca)\\s+(?:la|tu|una)\\s+(?:funcion|herramienta)\\s+(?:que|para|de)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'function_syntax',
    0.55,
    'any',
    r(
      `\\b[a-z][a-z0-9]*_[a-z0-9_]+\\s*\\(\\s*(?:[a-z_]+\\s*[=:]|["'{)])|["'](?:tool_calls?|function_call|arguments|tool_name)["']\\s*:`,
    ),
  ),
  R(
    'exfiltration',
    'bulk_people_data_en',
    0.8,
    'en',
    r(
      `\\b(?:list|show|give|send|export|dump|print|tell|share|provide|download|read|display|get|extract|reveal|forward|email|retrieve|fetch|leak|compile|what are|who are)\\s+(?:me\\s+|us\\s+)?(?:[^\\s.!?;]+\\s+){0,3}(?:all|every|each|other|the other|the rest of the|another|everyone'?s?|any|previous|past|existing)\\s+(?:(?!my\\b|our\\b)[^\\s.!?;]+\\s+){0,2}${PEOPLE_EN}(?:'s|')?\\s+(?:[^\\s.!?;]+\\s+){0,2}${PII_EN}\\b|\\b(?:list|show|give|send|export|dump|print|download|display|extract|reveal|retrieve|fetch|leak)\\s+(?:me\\s+|us\\s+)?(?:all|every)\\s+(?:(?:the|your|of the|of your)\\s+)?(?:leads|customers|clients|users|contacts|prospects|subscribers)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'pii_of_other_people_en',
    0.8,
    'en',
    r(
      `\\b(?:list|show|give|send|export|dump|print|tell|share|provide|download|read|display|get|extract|reveal|forward|email|retrieve|fetch|leak|compile)\\s+(?:me\\s+|us\\s+)?(?:[^\\s.!?;]+\\s+){0,3}${PII_EN}\\s+(?:of|for|from|about|belonging to)\\s+(?:all|every|each|the other|other|the rest of the|another|previous|past|your other|all (?:the|your)|everyone)\\s+(?:[^\\s.!?;]+\\s+)?${PEOPLE_EN}\\b`,
    ),
  ),
  R(
    'exfiltration',
    'previous_person',
    0.6,
    'any',
    r(
      `\\b(?:the person|the customer|the client|the user|whoever|the guy|the lady|the woman|the man|someone|the people|the last person)\\s+(?:who|that)\\s+(?:talked|spoke|chatted|wrote|messaged|texted|was talking)\\s+(?:to|with)\\s+you\\b|\\b(?:la persona|el cliente|la clienta|el usuario|la usuaria|quien|la gente|el senor|la senora|el chavo|el que|la que|los que)\\s+(?:que\\s+)?(?:hablo|escribio|chateo|estuvo hablando|te escribio|te hablo|hablaron|escribieron)\\s+(?:contigo|con vos|con usted|antes|ayer|hoy)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'other_conversations',
    0.65,
    'any',
    r(
      `\\b(?:in|from|during)\\s+(?:your\\s+)?(?:other|previous|earlier|past|another)\\s+(?:conversations|chats|sessions|conversation|chat)\\b|\\b(?:conversation|chat|messages?)\\s+(?:you\\s+(?:had|have had)\\s+)?with\\s+(?:the\\s+)?(?:previous|last|other|another)\\s+(?:customer|client|user|person)s?\\b|\\b(?:conversacion(?:es)?|chats?|mensajes)\\s+(?:que\\s+tuviste\\s+)?con\\s+(?:el|la|otro|otra|los|las)\\s+(?:cliente|clienta|usuario|usuaria|persona)s?\\s+(?:anterior(?:es)?|otros|otras)?\\b|\\b(?:de|en)\\s+otras\\s+conversaciones\\b|\\b(?:telefono|celular|numero|direccion|correo|email)\\s+(?:personal|privado)\\s+(?:del|de la)\\s+(?:gerente|dueno|duena|jefe|jefa|director|directora|empleado|empleada)\\b|\\bpersonal\\s+(?:phone|number|cell|address|email)\\s+of\\s+(?:the\\s+)?(?:manager|owner|ceo|boss|director|employee|staff)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'bulk_people_data_es',
    0.8,
    'es',
    r(
      `\\b(?:envia|enviame|envianos|dame|danos|pasame|pasanos|muestrame|muestra|lista|listame|dime|comparte|exporta|exportame|manda|mandame|necesito|quiero|descarga|imprime|revela|dame acceso a|consigueme|extrae)\\s+(?:[^\\s.!?;]+\\s+){0,3}${PII_ES}\\s+(?:[^\\s.!?;]+\\s+){0,2}(?:de|del|de los|de las)\\s+(?:otros|otras|todos los|todas las|los demas|las demas|demas|cada|los|las|tus|sus)\\s+(?:[^\\s.!?;]+\\s+)?${PEOPLE_ES}\\b|\\b(?:lista|listame|muestrame|dame|exporta|exportame|enviame|mandame|pasame|descarga|imprime)\\s+(?:[^\\s.!?;]+\\s+)?(?:todos|todas)\\s+(?:los|las|tus)\\s+${PEOPLE_ES}\\b`,
    ),
  ),
  R(
    'exfiltration',
    'bulk_people_data_pt',
    0.8,
    'pt',
    r(
      `\\b(?:envie|me envie|me de|me mostre|mostre|liste|exporte|compartilhe|passe)\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:dados|emails|e-mails|telefones|enderecos|contatos|nomes)\\s+(?:de|dos|das)\\s+(?:outros|outras|todos os|todas as)\\s+(?:clientes|usuarios|leads|contatos)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'third_party_pii_en',
    0.55,
    'en',
    r(
      `\\b(?:what(?:'s| is| are| was)|tell me|give me|show me|share|send me|reveal|provide|print|spell|write|confirm|find|look up|where (?:does|did|do))\\s+(?:[^\\s.!?;]+\\s+){0,4}(?:the user|the previous (?:user|customer|person|client)|another (?:user|customer|client)|other (?:users|customers|clients)|(?:the|this|that) (?:user|customer|client)'s|the users')(?:'s)?\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:${PII_EN}|live|lives|lived|favou?rite)\\b|\\b(?:the|this) user'?s\\s+(?:[^\\s.!?;]+\\s+)?(?:${PII_EN}|favou?rite)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'named_pii_en',
    0.5,
    'en',
    /\b(?:what(?:'s| is| are| was)|tell me|give me|show me|share|send me|reveal|provide|print|confirm|look up|find|using|use|with)\s+(?:\w+\s+){0,4}(?!(?:My|Our|Your|It|That|What|There|Here|Who|He|She|Let|Today|Everyone|Someone|Anyone|This)'s)\p{Lu}\p{Ll}+'s\s+(?:\w+\s+)?(?:e-?mail|phone|address|birth ?(?:date|day|year)|date of birth|password|social security|credit card|bank (?:balance|account)|account number|current city|city of residence|home address|salary|location|last name)\b/u,
    true,
  ),
  R(
    'exfiltration',
    'where_does_x_live',
    0.5,
    'en',
    /\bwhere (?:does|did|do) (?:the (?:user|customer|client)|(?:\p{Lu}\p{Ll}+ ){1,2})(?:currently |now )?(?:live|reside|stay)\b|\bd[oó]nde vive (?:actualmente |ahora )?(?:el usuario|la usuaria|el cliente|\p{Lu}\p{Ll}+)/u,
    true,
  ),
  R(
    'exfiltration',
    'people_in_your_database',
    0.55,
    'any',
    r(
      `\\b${PEOPLE_EN}\\s+(?:in|from|on|stored in)\\s+(?:your|the|this)\\s+(?:database|db|crm|records|system|files|list)\\b|\\b${PEOPLE_ES}\\s+(?:en|de)\\s+(?:tu|su|la)\\s+(?:base de datos|crm|sistema|lista|registros)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'third_party_pii_es',
    0.55,
    'es',
    r(
      `(?:${PII_ES}|iniciales|color favorito|\\bano de nacimiento|\\bedad|\\bsaldo)\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:del usuario|de la usuaria|del cliente anterior|de otro usuario|de otros usuarios|de otro cliente)\\b|\\b(?:cual es|cuales son|dime|dame|muestrame|comparte|revela|pasame|enviame|confirma|escribe|donde vive|donde esta)\\s+(?:[^\\s.!?;]+\\s+){0,4}(?:del usuario|de la usuaria|el usuario|la usuaria|del cliente anterior|de otro (?:usuario|cliente)|de otros (?:usuarios|clientes)|de otra persona)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'named_pii_es',
    0.5,
    'es',
    /\b(?:cuál es|cual es|dime|dame|decirme|darme|me dices|me das|me pasas|muéstrame|muestrame|revela|pásame|pasame|envíame|enviame|confirma|dónde vive|donde vive)\s+(?:\p{L}+\s+){0,5}(?:correo|e-?mail|teléfono|telefono|dirección|direccion|fecha de nacimiento|contraseña|contrasena|saldo|ciudad|domicilio|número|numero)\s+(?:\p{L}+\s+){0,3}de\s+(?!mi\b|mis\b|nuestr|tu\b|su\b)\p{Lu}\p{Ll}+/u,
    true,
  ),
  R(
    'exfiltration',
    'secret_request_en',
    0.7,
    'en',
    r(
      `\\b(?:what(?:'s| is| are| was)|whats|tell me|give me|share|reveal|show|send|print|write|spell|confirm|provide|need|i need|disclose|type|output|encode|hint|say)\\s+(?:me\\s+|us\\s+)?(?:[^\\s.!?;]+\\s+){0,3}(?:your|the system'?s?|the admin(?:istrator)?'?s?|the (?:secret|hidden|master|admin|root|database|server)|our system'?s?|its)\\s+(?:[^\\s.!?;]+\\s+)?(?:password|passphrase|passcode|pass code|pin|secret(?: key| code| word| phrase)?|access (?:code|key|token)|api[ _-]?keys?|credentials|private key|security code|master (?:key|password)|tokens?|keys?)\\b(?!\\s+(?:reset|recovery|requirements?|policy|rules|change|field|manager|strength))`,
    ),
  ),
  R(
    'exfiltration',
    'the_password_en',
    0.45,
    'en',
    r(
      `\\b(?:what(?:'s| is| was)|whats|tell me|give me|share|reveal|show|send|print|write|spell|confirm|provide|disclose|type|output|encode|hint|say)\\s+(?:me\\s+|us\\s+)?(?:[^\\s.!?;]+\\s+){0,3}the\\s+(?!wi-?fi|internet|guest|network|router)(?:[^\\s.!?;]+\\s+)?(?:password|passphrase|passcode|secret (?:key|code|word|phrase)|access code|api key|credentials)\\b(?!\\s+(?:reset|recovery|requirements?|policy|rules|change|field|manager|strength|for (?:the )?(?:wi-?fi|guest|internet|network)))`,
    ),
  ),
  R(
    'exfiltration',
    'secret_request_es',
    0.7,
    'es',
    r(
      `\\b(?:cual es|cuales son|dime|dame|revela|revelame|comparte|confirma|confirmame|escribe|necesito|pasame|enviame|muestrame|deletrea)\\s+(?:[^\\s.!?;]+\\s+){0,3}(?:tu|su|vuestra)\\s+(?:contrasena|clave|password|codigo secreto|codigo de acceso|token|credenciales|pin|clave secreta|api key)\\b|\\b(?:contrasena|clave|password|codigo de acceso|credenciales)s?\\s+(?:del|de la|de el|de nuestro|para nuestro|de nuestra|para el)\\s+(?:sistema|administrador|admin|servidor|base de datos|cuenta de administrador|red interna)\\b|\\b(?:system|admin|administrator|root|server|database|master|our system'?s?)\\s+(?:password|passphrase|passcode|credentials|access code)s?\\b|\\b(?:password|passphrase|credentials|access code)s?\\s+(?:for|of|to)\\s+(?:our|the|your)\\s+(?:system|server|database|admin|network|backend)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'your_password',
    0.5,
    'any',
    r(
      `\\byour\\s+(?:[^\\s.!?;]+\\s+)?(?:password|passphrase|passcode|pin|secret (?:code|key|word|phrase)|access code|api[ _-]?key|credentials)\\b(?!\\s+(?:reset|recovery|requirements?|policy|rules|change|field|manager|strength))|\\b(?:tu|su)\\s+(?:contrasena|clave secreta|codigo secreto|codigo de acceso|api key|credenciales)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'definite_secret',
    0.35,
    'any',
    r(
      `\\b(?:the|la|el|a)\\s+(?:password|passphrase|passcode|contrasena|senha|secret (?:key|code|word|phrase)|codigo secreto|palabra secreta|confidential string|secret string)\\b(?!\\s+(?:reset|recovery|requirements?|policy|rules|change|field|manager|strength|del wifi|de wifi|for (?:the )?wi-?fi|do wifi|de la red|de mi|of my|for my))`,
    ),
  ),
  R(
    'exfiltration',
    'secret_mention',
    0.25,
    'any',
    r(
      `\\b(?:password|passphrase|passcode|contrasena|senha|passwort|secret code|codigo secreto|clave secreta|api key)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'share_your_password',
    0.7,
    'any',
    r(
      `\\b(?:share|give|send|tell|reveal)\\s+(?:me\\s+)?your\\s+(?:password|credentials|login|pin)\\b|\\b(?:compartir|comparte|compartas|dame|dime|enviame)\\s+(?:conmigo\\s+)?tu\\s+(?:contrasena|clave|pin|usuario y contrasena)\\b`,
    ),
  ),
  R(
    'exfiltration',
    'database_dump',
    0.6,
    'any',
    r(
      `\\b(?:print|dump|show|export|give me|list|output|imprime|muestra|exporta|dame|lista|vuelca)\\s+(?:me\\s+)?(?:[^\\s.!?;]+\\s+)?(?:your|the|entire|whole|full|tu|la|toda la|toda tu)\\s+(?:entire\\s+|whole\\s+|full\\s+|customer\\s+|user\\s+)?(?:database|db|base de datos|user table|tabla de usuarios|crm)\\b`,
    ),
  ),
];
