import type { Language } from '../../protocol/index.ts';

/** Replies the channel itself sends (not the conversation): Spanish and English, the tenant's language first. */
const NOTICES = {
  unsupported: {
    es: 'Por ahora solo puedo leer mensajes de texto. ¿Me lo podría escribir?',
    en: 'For now I can only read text messages. Could you write it to me?',
  },
  too_long: {
    es: 'Su mensaje es demasiado largo para leerlo de una vez. ¿Podría enviarlo en partes más cortas?',
    en: 'Your message is too long for me to read in one go. Could you send it in shorter parts?',
  },
} as const;

export type NoticeKind = keyof typeof NOTICES;

/**
 * A notice in both languages (the person's language is not known before the conversation reads
 * their text), the tenant's default language first.
 */
export function notice(kind: NoticeKind, first: Language): string {
  const second: Language = first === 'es' ? 'en' : 'es';
  return `${NOTICES[kind][first]}\n\n${NOTICES[kind][second]}`;
}
