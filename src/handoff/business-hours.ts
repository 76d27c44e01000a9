import type { BusinessHours } from '../config/handoff.ts';

const WEEKDAYS = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 } as const;
const DAY_NAMES = {
  es: ['', 'lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado', 'domingo'],
  en: ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
} as const;

/** Weekday (1 = Monday) and minutes since midnight of `at` in `timezone`. */
function localTime(at: number, timezone: string): { day: number; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = WEEKDAYS[get('weekday') as keyof typeof WEEKDAYS] ?? 1;
  return { day, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** Whether the team is working at `at`. */
export function isOpen(hours: BusinessHours, at: number): boolean {
  const { day, minutes } = localTime(at, hours.timezone);
  return hours.days.includes(day) && minutes >= toMinutes(hours.open) && minutes < toMinutes(hours.close);
}

function dayWords(ahead: number, target: number, language: 'es' | 'en'): string {
  if (ahead === 0) return language === 'es' ? 'hoy' : 'today';
  if (ahead === 1) return language === 'es' ? 'mañana' : 'tomorrow';
  return language === 'es' ? `el ${DAY_NAMES.es[target]}` : `on ${DAY_NAMES.en[target]}`;
}

/**
 * Outside business hours: when the team is back, in the prospect's language ("mañana a las 09:00",
 * "el lunes a las 09:00" / "tomorrow at 09:00", "on Monday at 09:00"); `undefined` while open.
 */
export function backAt(hours: BusinessHours, at: number, language: 'es' | 'en'): string | undefined {
  if (isOpen(hours, at)) return undefined;
  const { day, minutes } = localTime(at, hours.timezone);
  const opensToday = hours.days.includes(day) && minutes < toMinutes(hours.open);
  let ahead = 0;
  if (!opensToday) {
    ahead = 1;
    while (ahead <= 7 && !hours.days.includes(((day - 1 + ahead) % 7) + 1)) ahead++;
  }
  const when = dayWords(ahead, ((day - 1 + ahead) % 7) + 1, language);
  return language === 'es' ? `${when} a las ${hours.open}` : `${when} at ${hours.open}`;
}
