import { describe, expect, it } from 'vitest';
import { backAt, isOpen } from '../../src/handoff/business-hours.ts';

const hours = { timezone: 'America/Mexico_City', days: [1, 2, 3, 4, 5], open: '09:00', close: '18:00' };
// Mexico City has no daylight saving time since 2022: UTC-6 all year.
const local = (iso: string) => Date.parse(`${iso}-06:00`);

describe('business hours', () => {
  it('is open on a weekday afternoon in the tenant timezone, not by the server clock', () => {
    expect(isOpen(hours, local('2026-12-07T15:00:00'))).toBe(true); // Monday 15:00 local = 21:00 UTC
    expect(isOpen(hours, local('2026-12-07T18:00:00'))).toBe(false);
    expect(isOpen(hours, local('2026-12-07T08:59:00'))).toBe(false);
  });

  it('says when the team is back: later today, tomorrow, or after the weekend', () => {
    expect(backAt(hours, local('2026-12-07T07:30:00'), 'es')).toBe('hoy a las 09:00');
    expect(backAt(hours, local('2026-12-08T20:00:00'), 'en')).toBe('tomorrow at 09:00');
    expect(backAt(hours, local('2026-12-11T19:00:00'), 'es')).toBe('el lunes a las 09:00'); // Friday night
    expect(backAt(hours, local('2026-12-12T11:00:00'), 'en')).toBe('on Monday at 09:00'); // Saturday
    expect(backAt(hours, local('2026-12-09T10:00:00'), 'es')).toBeUndefined();
  });
});
