import { describe, expect, it } from 'vitest';
import { reflectNeed } from '../../src/models/builtin/reflect.ts';
import { summariseProblem } from '../../src/nlu/summary.ts';

describe('the third-person problem note is said back to the person', () => {
  it('English notes ("They run…") come back as "you"; Spanish ones read as usted already', () => {
    const en = summariseProblem(['Our tracking dashboard is down and drivers cannot see routes'], 'en');
    expect(en).toBe('Their tracking dashboard is down and drivers cannot see routes.');
    expect(reflectNeed(en, 'en')).toBe('your tracking dashboard is down and drivers cannot see routes');
    const es = summariseProblem(['tenemos 20 furgonetas y las entregas llegan tarde'], 'es');
    expect(reflectNeed(es, 'es')).toBe('tienen 20 furgonetas y las entregas llegan tarde');
  });
});
