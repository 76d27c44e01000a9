import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTenant } from '../../src/config/load.ts';
import type { TenantConfig } from '../../src/config/tenant.ts';
import { escapeHtml, renderLandingPage } from '../../src/http/landing.ts';

const demo = loadTenant(fileURLToPath(new URL('../../config/tenants/demo/', import.meta.url)));

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

describe('renderLandingPage', () => {
  it.each(['es', 'en'] as const)('renders a complete %s page', (language) => {
    const html = renderLandingPage(demo, { language });
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain(`<html lang="${language}">`);
    expect(html).toContain('</html>');
    expect(html).toContain(escapeHtml(demo.companyName));
    expect(html).toContain(escapeHtml(demo.tagline[language]));
    expect(html).toContain(
      `<script src="/widget.js" data-tenant="demo" data-lang="${language}" defer></script>`,
    );
    expect(html).toContain('href="/?tenant=demo&amp;lang=es"');
    expect(html).toContain('href="/?tenant=demo&amp;lang=en"');
    expect(html).toMatch(/leadbot/i);
    // Self-contained: no external stylesheets, fonts or scripts; the only outside links are the
    // tenant's messenger buttons (wa.me / t.me).
    expect(html).not.toMatch(/<link[^>]+stylesheet/i);
    expect(html).not.toMatch(/src="https?:\/\//i);
    const external = [...html.matchAll(/href="(https?:\/\/[^"]+)"/gi)].map((m) => new URL(m[1]!).host);
    expect(external.every((host) => host === 'wa.me' || host === 't.me')).toBe(true);
  });

  it.each(['es', 'en'] as const)('lists every catalog item and knowledge title (%s)', (language) => {
    const html = renderLandingPage(demo, { language });
    for (const item of demo.catalog) {
      expect(html).toContain(`data-plan="${item.id}"`);
      expect(html).toContain(escapeHtml(item.name[language]));
      for (const feature of item.features[language]) expect(html).toContain(escapeHtml(feature));
    }
    const pages = demo.knowledge.filter((k) => k.language === language);
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) expect(html).toContain(escapeHtml(page.title));
  });

  it('shows "contact sales" instead of a price for price null', () => {
    const html = renderLandingPage(demo, { language: 'en' });
    const enterprise = demo.catalog.find((c) => c.price === null);
    expect(enterprise).toBeDefined();
    const card = html.slice(html.indexOf(`data-plan="${enterprise!.id}"`));
    expect(card.slice(0, card.indexOf('</article>'))).toMatch(/Custom pricing/);
  });

  it('escapes every tenant value', () => {
    const evil: TenantConfig = {
      ...demo,
      companyName: '<script>alert("x")</script>',
      botName: '<img src=x onerror=alert(1)>',
      tagline: { es: '"><b>es</b>', en: "'><b>en</b>" },
      welcome: { es: '</script><script>alert(2)</script>', en: 'hi' },
      catalog: [
        {
          id: 'x',
          name: { es: '<i>plan</i>', en: '<i>plan</i>' },
          description: { es: 'a & b', en: 'a & b' },
          price: 10,
          currency: 'USD',
          features: { es: ['<u>f</u>'], en: ['<u>f</u>'] },
        },
      ],
      knowledge: [
        { id: 'k', language: 'es', title: '<h1>t</h1>', body: '# <h1>t</h1>\n\n<svg onload=alert(3)>' },
      ],
    };
    const html = renderLandingPage(evil, { language: 'es' });
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // The only <script> elements are the config block and the widget loader.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<i>plan');
    expect(html).not.toContain('<u>f');
    expect(html).not.toContain('<h1>t');
    expect(html).not.toContain('<svg onload');
    expect(html).not.toContain('</script><script>alert(2)');
    expect(html).toContain('&lt;i&gt;plan&lt;/i&gt;');
  });

  it('embeds display settings for the widget as script-safe JSON', () => {
    const html = renderLandingPage(demo, { language: 'es' });
    const block = /<script type="application\/json" data-leadbot-config>(.*?)<\/script>/s.exec(html);
    expect(block).not.toBeNull();
    const config = JSON.parse(block![1]!) as Record<string, unknown>;
    expect(config).toMatchObject({ tenant: 'demo', botName: demo.botName, welcome: demo.welcome });
  });
});
