/** Fake authority: chat-template tokens, SYSTEM: labels, claimed developer / admin roles. */
import { type ThreatRule, r, R } from './vocab.ts';

export const AUTHORITY: readonly ThreatRule[] = [
  R(
    'fake_authority',
    'chat_template_tokens',
    0.8,
    'any',
    /<\|?\s*(?:im_start|im_end|system|endoftext|begin_of_text|start_header_id|end_header_id|eot_id)\s*\|?>|\[\/?(?:INST|SYS|SYSTEM)\]|<<\/?SYS>>|<\/?(?:system|sys|system_prompt|instructions?|admin)>/i,
    true,
  ),
  R(
    'fake_authority',
    'role_label',
    0.4,
    'any',
    r(
      `(?:^|\\n)\\s*["'\\[({*#-]*\\s*(?:system|sistema|admin|administrator|administrador|developer|desarrollador|instruction|instructions|instrucciones|new instructions|nuevas instrucciones|override|root|sudo|operator|assistant)\\s*(?:message|prompt|note|mode|override|update|mensaje|nota|modo)?\\s*[)\\]*"']*\\s*:`,
    ),
  ),
  R(
    'fake_authority',
    'role_label_order',
    0.7,
    'any',
    r(
      `(?:^|\\n|[.!?]\\s)\\s*["'\\[({*#-]*\\s*(?:system|sistema|admin|administrator|administrador|developer|desarrollador|instructions?|instrucciones|override|root|sudo|operator)\\s*(?:message|prompt|note|mode|override|update|mensaje|nota|modo)?\\s*[)\\]*"']*\\s*:\\s*[^\\n]{0,40}\\b(?:you|your|the (?:user|assistant|ai|model|bot)|ignore|must|eres|tu|tus|debes|el usuario|ignora|obedece|responde|reveal|muestra|new rules?|nuevas reglas|from now on|a partir de ahora|has (?:admin|administrator)|tiene permisos)\\b`,
    ),
  ),
  R(
    'fake_authority',
    'markdown_header',
    0.6,
    'any',
    r(
      `(?:^|\\n)\\s*#{2,}\\s*(?:instructions?|system|new instructions|new task|task|instrucciones|sistema|nuevas instrucciones|rules|override|response|input|output)\\b`,
    ),
  ),
  R(
    'fake_authority',
    'mode_tag',
    0.6,
    'any',
    r(
      `[<\\[{(]\\s*(?:system|god|admin|developer|dev|debug|maintenance|root|sudo|sistema|modo \\w+|override|jailbreak)\\s*(?:mode|override|prompt|message|modo|activated|enabled|access|activado)?\\s*(?:[>\\]})]|:)`,
    ),
  ),
  R(
    'fake_authority',
    'claimed_role_en',
    0.6,
    'en',
    r(
      `\\b(?:i am|i'm|im|as|this is|speaking as|i work as)\\s+(?:your|ur|the bot'?s|this bot'?s|the ai'?s)\\s+(?:[^\\s.!?;]+\\s+)?(?:developer|creator|admin|administrator|owner|programmer|engineer|maker|boss|supervisor|operator|master|god|designer|trainer|superior|manager|author)\\b|\\b(?:i am|i'm|im)\\s+(?:god|an? (?:openai|anthropic|deepseek|google) (?:employee|engineer|developer|researcher|staff)|(?:the|a|an) (?:openai|anthropic) (?:developer|engineer|employee))\\b`,
    ),
  ),
  R(
    'fake_authority',
    'claimed_role_es',
    0.6,
    'es',
    r(
      `\\b(?:soy|como)\\s+(?:tu|su|vuestro)\\s+(?:[^\\s.!?;]+\\s+)?(?:desarrollador|desarrolladora|creador|creadora|programador|programadora|administrador|administradora|jefe|jefa|dueno|duena|supervisor|supervisora|operador|operadora|ingeniero|ingeniera|admin|amo|duena|entrenador)\\b|\\bsoy dios\\b|\\bsoy\\s+(?:un|una)\\s+(?:empleado|empleada|ingeniero|ingeniera|desarrollador|desarrolladora)\\s+de\\s+(?:openai|anthropic|deepseek|google)\\b`,
    ),
  ),
  R(
    'fake_authority',
    'claimed_role_pt',
    0.6,
    'pt',
    r(
      `\\bsou\\s+(?:seu|sua)\\s+(?:desenvolvedor|desenvolvedora|criador|criadora|administrador|administradora|chefe|dono|dona|programador|programadora|operador)\\b`,
    ),
  ),
  R(
    'fake_authority',
    'override_command',
    0.6,
    'any',
    r(
      `\\b(?:developer|admin|administrator|administrative|system|root|sudo|maintenance|debug|god|master|emergency|security)\\s+(?:override|privileges|clearance|authori[sz]ation code|command|access granted)\\b|\\b(?:override|anulacion|sobrescritura)\\s+(?:code|codigo|del sistema|protocol)\\b|\\bmodo\\s+(?:sistema|mantenimiento|depuracion|administrador|dios|anulacion)\\s+(?:activado|activo|habilitado|encendido|on)\\b|\\b(?:override|anulacion)\\s+mode\\b|\\bmodo (?:de )?anulacion\\b`,
    ),
  ),
  R(
    'fake_authority',
    'sanctioned',
    0.55,
    'any',
    r(
      `\\b(?:approved|authori[sz]ed|sanctioned|permitted|allowed|sponsored)\\s+(?:[^\\s.!?;]+\\s+)?by\\s+(?:openai|anthropic|your (?:developers?|creators?|admins?|owners?)|the (?:developers?|admins?|company that (?:made|built) you))\\b|\\b(?:aprobado|autorizado|permitido)\\s+por\\s+(?:openai|tus (?:desarrolladores|creadores)|el administrador)\\b|\\b(?:this|esta)\\s+(?:is|es)\\s+(?:an?|un|una)\\s+(?:authori[sz]ed|autorizad[oa])\\s+(?:test|prueba|audit|auditoria|request|solicitud)\\b`,
    ),
  ),
  R(
    'fake_authority',
    'vendor_identity',
    0.5,
    'en',
    r(
      `\\b(?:as|i am|i'm)\\s+an?\\s+(?:ai|model|engineer|developer|employee|researcher|assistant|language model)\\s+(?:developed|created|built|trained|made)\\s+by\\s+(?:open ?ai|anthropic|google|meta|deepseek|microsoft)\\b|\\b(?:one of\\s+)?your\\s+(?:developers|creators|programmers|admins|administrators|makers|engineers)\\b[^.!?]{0,20}\\b(?:i am|i'm|here|speaking)\\b|\\b(?:i am|i'm|im)\\s+one of your\\s+(?:developers|creators|programmers|admins|administrators|makers|engineers)\\b`,
    ),
  ),
  R(
    'fake_authority',
    'end_delimiter',
    0.5,
    'any',
    r(
      `(?:={3,}|-{4,}|\\*{3,}|#{3,})\\s*(?:end|fin|ende|stop)\\b|\\bend of (?:the )?(?:prompt|instructions|system prompt|system message|context|document|user input)\\b|\\b(?:user|human)\\s+(?:message|input)\\s+terminat|\\bsystem\\s+instructions?\\s+begins?\\b`,
    ),
  ),
  R(
    'fake_authority',
    'chat_role_label',
    0.3,
    'any',
    r(`(?:^|\\n)\\s*(?:human|user|usuario|ai|bot|gpt|chatgpt)\\s*:`),
  ),
  R(
    'fake_authority',
    'granted_privileges',
    0.6,
    'any',
    r(
      `\\b(?:te doy|te otorgo|te concedo|i give you|i grant you|i'?m giving you|i am giving you|you now have|you have been given|ahora tienes|eu te dou)\\s+(?:un\\s+|el\\s+|a\\s+|full\\s+)?(?:permiso|permisos|acceso|access|permission|permissions|privileges|privilegios|clearance|autorizacion|authori[sz]ation)\\s+(?:especial(?:es)?\\s+|total(?:es)?\\s+|special\\s+)?(?:de\\s+)?(?:administrador|admin|root|superusuario|developer|desarrollador|ilimitado|unlimited|to (?:ignore|bypass|skip))\\b`,
    ),
  ),
  R(
    'fake_authority',
    'creators_said',
    0.5,
    'any',
    r(
      `\\b(?:the people|the team|the company|the guys|the devs|your (?:creators|developers|makers|owners|programmers))\\s+(?:who|that)\\s+(?:built|made|created|programmed|trained|designed)\\s+you\\s+(?:said|told|say|authori[sz]ed|allowed|approved)\\b|\\b(?:tus|los)\\s+(?:creadores|desarrolladores|programadores|duenos)\\s+(?:dijeron|dicen|autorizaron|permitieron)\\s+que\\b`,
    ),
  ),
  R(
    'fake_authority',
    'audit_pretext',
    0.3,
    'any',
    r(
      `\\b(?:security audit|system check|penetration test|red team(?:ing)?|auditoria de seguridad|prueba de seguridad|diagnostic check|compliance check|verificacion del sistema)\\b`,
    ),
  ),
];
