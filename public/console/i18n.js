// Console strings (Spanish and English) and the current language.
// The language comes from localStorage (the ES/EN toggle), else from navigator.language.

const STORAGE_KEY = 'leadbot.console.lang';

const STRINGS = {
  es: {
    productName: 'leadbot · Consola',
    loginIntro: 'Entra con tu token de operador para atender las conversaciones que necesitan una persona.',
    tokenLabel: 'Token',
    nameLabel: 'Tu nombre',
    nameHint: 'Obligatorio con el token de administración; es el nombre que verá el cliente.',
    loginSubmit: 'Entrar',
    loggingIn: 'Entrando…',
    tokenRequired: 'Escribe tu token.',
    sessionExpired: 'Tu sesión ha terminado. Vuelve a entrar.',
    logout: 'Salir',
    langToggle: 'Cambiar idioma a inglés',
    adminTag: 'admin',
    liveConnecting: 'Conectando…',
    liveConnected: 'En vivo',
    liveReconnecting: 'Reconectando…',
    liveOffline: 'Sin conexión',
    queueTitle: 'Necesitan una persona',
    queueEmpty: 'Nadie está esperando ahora mismo.',
    recentTitle: 'Conversaciones recientes',
    recentEmpty: 'Todavía no hay conversaciones.',
    refresh: 'Actualizar',
    refreshRecent: 'Actualizar conversaciones recientes',
    waiting: 'espera {time}',
    lessThanMinute: '<1 min',
    minutes: '{n} min',
    hours: '{h} h {m} min',
    days: '{n} d',
    ago: 'hace {time}',
    withOwner: 'con {name}',
    newActivity: 'Actividad nueva',
    noName: '—',
    stateChart: 'Diagrama de estados',
    reason_critical_support: 'Soporte crítico',
    reason_asked_for_human: 'Pidió una persona',
    reason_hot_lead: 'Lead caliente',
    reason_escalation: 'Escalado',
    reason_overdue: 'Fuera de plazo',
    urgency_Alto: 'Alto',
    urgency_Medio: 'Medio',
    urgency_Bajo: 'Bajo',
    qualification_hot_lead: 'Lead caliente',
    qualification_warm_lead: 'Lead templado',
    qualification_support: 'Soporte',
    qualification_spam: 'Spam',
    status_draft: 'Borrador (aún no registrado)',
    status_partial: 'Parcial',
    status_complete: 'Completo',
    status_delivered: 'Entregado',
    area_Ventas: 'Ventas',
    area_Soporte: 'Soporte',
    area_Facturación: 'Facturación',
    area_Otro: 'Otro',
    stateBot: 'Bot atendiendo',
    stateWaiting: 'Esperando a una persona',
    stateOwnedBy: 'Atendido por {name}',
    stateOwnedByMe: 'Atendido por {name} (tú)',
    stateClosed: 'Caso cerrado',
    pickConversation: 'Elige una conversación de la cola para verla aquí.',
    loading: 'Cargando…',
    back: 'Volver a la cola',
    takeover: 'Tomar conversación',
    release: 'Devolver al bot',
    closeCase: 'Cerrar caso',
    reassign: 'Reasignármela',
    handledBy: '{name} está atendiendo esta conversación.',
    composerLabel: 'Mensaje para el cliente',
    composerPlaceholder: 'Escribe tu respuesta… (Intro envía, Mayús+Intro nueva línea)',
    composerLocked: 'Toma la conversación para escribir al cliente.',
    send: 'Enviar',
    sending: 'enviando…',
    fromProspect: 'Cliente',
    fromBot: 'Bot',
    fromOperator: 'Operador',
    transcriptLabel: 'Conversación',
    emptyTranscript: 'Todavía no hay mensajes.',
    warning_whatsapp_window_closed:
      'Se ha cerrado la ventana de 24 horas de WhatsApp: tu mensaje sale como la plantilla aprobada hasta que el cliente vuelva a escribir.',
    leadTitle: 'Lead',
    leadToggle: 'Datos del lead',
    leadNone: 'Todavía no hay datos del lead.',
    edit: 'Editar',
    save: 'Guardar',
    cancel: 'Cancelar',
    saving: 'Guardando…',
    operatorTag: 'operador',
    operatorTagTitle: 'Dato introducido o corregido por una persona del equipo',
    leadNeedsOwner: 'Para guardar cambios tienes que tener la conversación.',
    noChanges: 'No has cambiado nada.',
    field_name: 'Nombre',
    field_email: 'Email',
    field_phone: 'Teléfono',
    field_company: 'Empresa',
    field_interest_area: 'Área de interés',
    field_urgency_level: 'Urgencia',
    field_qualification: 'Calificación',
    field_status: 'Estado',
    field_reference: 'Referencia',
    field_problem_statement: 'Problema',
    chooseOption: '(sin elegir)',
    networkError: 'No se pudo conectar con el servidor. Inténtalo de nuevo.',
    unexpectedError: 'Algo ha fallado (HTTP {status}).',
    crmFailing: 'El CRM no responde: {pending} en espera, el más antiguo hace {age}',
    crmDead: '{dead} envíos al CRM fallaron: revísalos con «leadbot outbox list»',
    ageSeconds: '{n} s',
    ageMinutes: '{n} min',
    ageHours: '{n} h',
  },
  en: {
    productName: 'leadbot · Console',
    loginIntro: 'Sign in with your operator token to handle the conversations that need a person.',
    tokenLabel: 'Token',
    nameLabel: 'Your name',
    nameHint: 'Required with the admin token; it is the name the prospect sees.',
    loginSubmit: 'Sign in',
    loggingIn: 'Signing in…',
    tokenRequired: 'Enter your token.',
    sessionExpired: 'Your session has ended. Please sign in again.',
    logout: 'Log out',
    langToggle: 'Switch language to Spanish',
    adminTag: 'admin',
    liveConnecting: 'Connecting…',
    liveConnected: 'Live',
    liveReconnecting: 'Reconnecting…',
    liveOffline: 'Offline',
    queueTitle: 'Need a person',
    queueEmpty: 'Nobody is waiting right now.',
    recentTitle: 'Recent conversations',
    recentEmpty: 'No conversations yet.',
    refresh: 'Refresh',
    refreshRecent: 'Refresh recent conversations',
    waiting: 'waiting {time}',
    lessThanMinute: '<1 min',
    minutes: '{n} min',
    hours: '{h} h {m} min',
    days: '{n} d',
    ago: '{time} ago',
    withOwner: 'with {name}',
    newActivity: 'New activity',
    noName: '—',
    stateChart: 'State chart',
    reason_critical_support: 'Critical support',
    reason_asked_for_human: 'Asked for a person',
    reason_hot_lead: 'Hot lead',
    reason_escalation: 'Escalated',
    reason_overdue: 'Overdue',
    urgency_Alto: 'High',
    urgency_Medio: 'Medium',
    urgency_Bajo: 'Low',
    qualification_hot_lead: 'Hot lead',
    qualification_warm_lead: 'Warm lead',
    qualification_support: 'Support',
    qualification_spam: 'Spam',
    status_draft: 'Draft (not registered yet)',
    status_partial: 'Partial',
    status_complete: 'Complete',
    status_delivered: 'Delivered',
    area_Ventas: 'Sales',
    area_Soporte: 'Support',
    area_Facturación: 'Billing',
    area_Otro: 'Other',
    stateBot: 'Bot handling',
    stateWaiting: 'Waiting for a person',
    stateOwnedBy: 'Handled by {name}',
    stateOwnedByMe: 'Handled by {name} (you)',
    stateClosed: 'Case closed',
    pickConversation: 'Pick a conversation from the queue to see it here.',
    loading: 'Loading…',
    back: 'Back to the queue',
    takeover: 'Take over',
    release: 'Give back to the bot',
    closeCase: 'Close case',
    reassign: 'Reassign to me',
    handledBy: '{name} is handling this.',
    composerLabel: 'Message to the prospect',
    composerPlaceholder: 'Type your reply… (Enter sends, Shift+Enter new line)',
    composerLocked: 'Take the conversation over to write to the prospect.',
    send: 'Send',
    sending: 'sending…',
    fromProspect: 'Prospect',
    fromBot: 'Bot',
    fromOperator: 'Operator',
    transcriptLabel: 'Conversation',
    emptyTranscript: 'No messages yet.',
    warning_whatsapp_window_closed:
      "The prospect's 24-hour WhatsApp window has closed: your message goes out as the approved template until they write again.",
    leadTitle: 'Lead',
    leadToggle: 'Lead details',
    leadNone: 'No lead data yet.',
    edit: 'Edit',
    save: 'Save',
    cancel: 'Cancel',
    saving: 'Saving…',
    operatorTag: 'operator',
    operatorTagTitle: 'Entered or corrected by a person of the team',
    leadNeedsOwner: 'You need to hold the conversation to save changes.',
    noChanges: 'Nothing changed.',
    field_name: 'Name',
    field_email: 'Email',
    field_phone: 'Phone',
    field_company: 'Company',
    field_interest_area: 'Interest area',
    field_urgency_level: 'Urgency',
    field_qualification: 'Qualification',
    field_status: 'Status',
    field_reference: 'Reference',
    field_problem_statement: 'Problem',
    chooseOption: '(not set)',
    networkError: 'Could not reach the server. Please try again.',
    unexpectedError: 'Something went wrong (HTTP {status}).',
    crmFailing: 'CRM not answering: {pending} waiting, oldest {age} ago',
    crmDead: "{dead} CRM pushes failed for good: see 'leadbot outbox list'",
    ageSeconds: '{n} s',
    ageMinutes: '{n} min',
    ageHours: '{n} h',
  },
};

function stored() {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'es' || value === 'en' ? value : null;
  } catch {
    return null;
  }
}

let lang = stored() ?? ((navigator.language || 'en').toLowerCase().startsWith('es') ? 'es' : 'en');

export function getLang() {
  return lang;
}

export function setLang(next) {
  lang = next === 'es' ? 'es' : 'en';
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Storage may be unavailable (private mode): the choice lasts for this page only.
  }
  document.documentElement.lang = lang;
}

/** The string `key` in the current language, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Like `t`, but `undefined` when there is no such key (for values such as urgency or reason codes). */
export function maybe(key) {
  return STRINGS[lang][key] ?? STRINGS.en[key];
}

/** Fills the static markup: `data-i18n` (text), `data-i18n-label` (aria-label), `data-i18n-placeholder`. */
export function applyStatic(root = document) {
  document.documentElement.lang = lang;
  document.title = t('productName');
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-label]'))
    node.setAttribute('aria-label', t(node.dataset.i18nLabel));
  for (const node of root.querySelectorAll('[data-i18n-title]'))
    node.setAttribute('title', t(node.dataset.i18nTitle));
  for (const node of root.querySelectorAll('[data-i18n-placeholder]'))
    node.setAttribute('placeholder', t(node.dataset.i18nPlaceholder));
}
