import { describe, expect, it } from 'vitest';
import { suggestEmail } from '../../src/nlu/email-suggest.ts';

describe('suggestEmail', () => {
  it('corrects typos of the big providers', () => {
    const cases: [string, string][] = [
      ['juan@gmial.com', 'juan@gmail.com'],
      ['maria.lopez@gmai.com', 'maria.lopez@gmail.com'],
      ['rgarcia@gnail.com', 'rgarcia@gmail.com'],
      ['pepe_88@gamil.com', 'pepe_88@gmail.com'],
      ['ana@hotmial.com', 'ana@hotmail.com'],
      ['luis.ruiz@hotmai.com', 'luis.ruiz@hotmail.com'],
      ['ventas@jotmail.com', 'ventas@hotmail.com'],
      ['tom@outlok.com', 'tom@outlook.com'],
      ['sam.baker@otlook.com', 'sam.baker@outlook.com'],
      ['carmen@yaho.com', 'carmen@yahoo.com'],
      ['carmen@yahooo.com', 'carmen@yahoo.com'],
    ];
    for (const [typed, meant] of cases) expect(suggestEmail(typed), typed).toBe(meant);
  });

  it('corrects the providers Spanish speakers use, keeping their country', () => {
    const cases: [string, string][] = [
      ['lupita@hotmal.es', 'lupita@hotmail.es'],
      ['jorge@hotmial.com.mx', 'jorge@hotmail.com.mx'],
      ['ines@yahoo.com.mz', 'ines@yahoo.com.mx'],
      ['ines@yaho.es', 'ines@yahoo.es'],
      ['paco@outllok.es', 'paco@outlook.es'],
      ['paco@outlook.e', 'paco@outlook.es'],
      ['rosa@lvie.com.mx', 'rosa@live.com.mx'],
      ['rosa@live.com.mz', 'rosa@live.com.mx'],
      ['don.beto@prodigi.net.mx', 'don.beto@prodigy.net.mx'],
      ['don.beto@prodigy.net.mz', 'don.beto@prodigy.net.mx'],
      ['juan@gmail.es', 'juan@gmail.com'],
      ['juan@gmail.com.mx', 'juan@gmail.com'],
    ];
    for (const [typed, meant] of cases) expect(suggestEmail(typed), typed).toBe(meant);
  });

  it('fixes mistyped .com / .net endings, on any domain', () => {
    expect(suggestEmail('juan@gmail.con')).toBe('juan@gmail.com');
    expect(suggestEmail('juan@gmail.cmo')).toBe('juan@gmail.com');
    expect(suggestEmail('a.perez@hotmail.con')).toBe('a.perez@hotmail.com');
    expect(suggestEmail('a.perez@hotmail.co')).toBe('a.perez@hotmail.com');
    expect(suggestEmail('compras@logisticadelsur.con')).toBe('compras@logisticadelsur.com');
    expect(suggestEmail('info@transruiz.cmo')).toBe('info@transruiz.com');
    expect(suggestEmail('mike@comcast.nte')).toBe('mike@comcast.net');
  });

  it('leaves correct provider addresses alone, whatever the case', () => {
    for (const email of [
      'juan@gmail.com',
      'JUAN@GMAIL.COM',
      'ana@hotmail.es',
      'ana@hotmail.co.uk',
      'ana@yahoo.com.ar',
      'rosa@live.com.mx',
      'don.beto@prodigy.net.mx',
      'me@outlook.es',
      'me@icloud.com',
      'me@protonmail.ch',
    ]) {
      expect(suggestEmail(email), email).toBeUndefined();
    }
  });

  it('never "corrects" a company domain that is merely unusual', () => {
    for (const email of [
      'ana@transruiz.es',
      'tom@brightline-couriers.co.uk',
      'compras@logisticadelsur.com',
      'ventas@grupobimbo.com.mx',
      'rh@empresa.com.mx',
      'contacto@ventas.pe',
      'info@lime.es',
      'jane@acme.com',
      'max@max.com',
      'ops@wahoo.com',
      'team@hotmart.com',
      'it@cloud.com',
      'sales@gmailing.com',
      'hola@tec.mx',
      'soporte@terra.com.br',
      'pedidos@movistar.cl',
      'dev@studio.design',
      'ceo@bright.co.uk',
    ]) {
      expect(suggestEmail(email), email).toBeUndefined();
    }
  });

  it('keeps the local part as written and trims spaces', () => {
    expect(suggestEmail('Pedro.Diaz@Hotmial.Com')).toBe('Pedro.Diaz@hotmail.com');
    expect(suggestEmail('  juan@gmial.com  ')).toBe('juan@gmail.com');
  });

  it('returns undefined for anything that is not an address, and never throws', () => {
    for (const input of [
      '',
      'juan',
      'gmial.com',
      '@gmial.com',
      'juan@',
      'a@b',
      'a@@gmial.com',
      'juan @gmial.com',
    ]) {
      expect(suggestEmail(input), input).toBeUndefined();
    }
    expect(suggestEmail(undefined as unknown as string)).toBeUndefined();
    expect(suggestEmail(`${'x'.repeat(5000)}@gmial.com`)).toBe(`${'x'.repeat(5000)}@gmail.com`);
    expect(suggestEmail('\uD800@gmial.com')).toBeUndefined();
  });
});
