import { afterEach, describe, expect, it } from 'vitest';
import { campaignLinks, campaignOfText } from '../../src/config/campaigns.ts';
import { getLeads, startTestLeadbot } from '../helpers/in-process.ts';

const tenant = {
  contact: { whatsapp: '5215500000000', telegram: 'RutaVivaDemoBot' },
  campaigns: [{ id: 'feria', prefill: { es: 'Hola, necesito info', en: 'Hi, I need info' } }],
};

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('campaign links', () => {
  it('a first message is a campaign only when it is the prefilled text (case and punctuation aside)', () => {
    expect(campaignOfText(tenant, 'hola necesito info')).toBe('feria');
    expect(campaignOfText(tenant, 'HI, I NEED INFO!')).toBe('feria');
    expect(campaignOfText(tenant, 'Hola, necesito info de precios para 20 camiones')).toBeUndefined();
    expect(campaignOfText({}, 'Hola, necesito info')).toBeUndefined();
    expect(campaignLinks(tenant, 'es')).toEqual([
      {
        id: 'feria',
        whatsapp: 'https://wa.me/5215500000000?text=Hola%2C%20necesito%20info',
        telegram: 'https://t.me/RutaVivaDemoBot?start=feria',
      },
    ]);
  });

  it('the landing page links them; a prefilled opener is the source and asks the need, never the problem', async () => {
    const node = await startTestLeadbot();
    stop = () => node.close();
    const html = await (await fetch(`${node.url}/?lang=es`)).text();
    expect(html).toContain('https://wa.me/5215500000000?text=Hola%2C%20quiero%20informaci%C3%B3n');
    expect(html).toContain('https://t.me/RutaVivaDemoBot?start=landing');
    const say = async (message: string) =>
      (await (
        await fetch(`${node.url}/webhooks/rest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sender: 'camp-1', message }),
        })
      ).json()) as { text: string }[];
    const [greet] = await say('Hola, quiero información sobre RutaViva');
    expect(greet!.text).toMatch(/¿Cómo le podemos ayudar\?|¿En qué le podemos ayudar\?/);
    await say('tenemos 8 camionetas y queremos planificar rutas');
    await say('Ana Gil, ana@gil.mx');
    const { body } = await getLeads(node.url);
    const lead = body.leads?.[0] as { source: string; problem_statement: string };
    expect(lead.source).toBe('campaign:landing');
    expect(lead.problem_statement).not.toMatch(/información sobre RutaViva/);
    expect(lead.problem_statement).toMatch(/camionetas/);
  });
});
