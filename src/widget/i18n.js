/** The widget's own strings, in the two languages it speaks. */

export const TEXT = {
  es: {
    botName: 'Asistente',
    welcome: '¡Hola! ¿En qué le puedo ayudar?',
    open: 'Abrir chat',
    close: 'Cerrar chat',
    placeholder: 'Escriba su mensaje…',
    send: 'Enviar',
    connecting: 'Conectando…',
    online: 'En línea',
    reconnecting: 'Reconectando…',
    offline: 'Sin conexión',
    typing: 'está escribiendo…',
    pending: 'Se enviará al reconectar',
    log: 'Conversación',
    unread: 'mensajes nuevos',
    poweredBy: 'Con tecnología de leadbot',
    overloaded:
      'Ahora mismo nos escribe mucha gente. Su mensaje está guardado y se enviará en unos segundos.',
    agentJoined: (n) => `${n} se unió a la conversación`,
    agentLeft: (n) => `${n} dejó la conversación; el asistente sigue atendiendo`,
  },
  en: {
    botName: 'Assistant',
    welcome: 'Hi! How can I help you?',
    open: 'Open chat',
    close: 'Close chat',
    placeholder: 'Type your message…',
    send: 'Send',
    connecting: 'Connecting…',
    online: 'Online',
    reconnecting: 'Reconnecting…',
    offline: 'Offline',
    typing: 'is typing…',
    pending: 'Will be sent on reconnect',
    log: 'Conversation',
    unread: 'new messages',
    poweredBy: 'Powered by leadbot',
    overloaded:
      'Many people are writing to us right now. Your message is kept and will be sent in a few seconds.',
    agentJoined: (n) => `${n} joined the conversation`,
    agentLeft: (n) => `${n} left the conversation; the assistant carries on`,
  },
};

/** `data-lang` when it is one we speak, otherwise the browser's language (Spanish by default). */
export function pickLanguage(requested) {
  const navLang = (navigator.language || 'es').toLowerCase();
  return requested === 'es' || requested === 'en' ? requested : navLang.startsWith('en') ? 'en' : 'es';
}
