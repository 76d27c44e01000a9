import { describe, expect, it } from 'vitest';
import { reflectNeed } from '../../src/models/builtin/reflect.ts';
import { extractNeed } from '../../src/nlu/need.ts';
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

describe('a question that is only a noun phrase', () => {
  it('reads as asking about it, in Spanish and English', () => {
    expect(summariseProblem(['precio para 18 furgonetas?'], 'es')).toBe(
      'Pregunta por el precio para 18 furgonetas.',
    );
    expect(summariseProblem(['pricing for 64 trucks?'], 'en')).toBe('Asks about pricing for 64 trucks.');
  });

  it('leaves a declined detail out of the need', () => {
    const need = extractNeed(
      "We have 7 vans and I'd like to know what route planning would cost. I'd rather not give out my email address.",
    );
    expect(need).toBe("We have 7 vans and I'd like to know what route planning would cost");
  });
});
