import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CatalogItemSchema, TenantFileSchema } from '../../src/config/tenant.ts';

const demoDir = fileURLToPath(new URL('../../config/tenants/demo/', import.meta.url));
const readJson = (file: string): unknown => JSON.parse(readFileSync(join(demoDir, file), 'utf8'));
const pageIds = (language: 'es' | 'en'): string[] =>
  readdirSync(join(demoDir, 'knowledge', language))
    .filter((f) => f.endsWith('.md'))
    .map((f) => f.replace(/\.md$/, ''))
    .sort();

describe('demo tenant content', () => {
  it('tenant.json validates and has id "demo"', () => {
    const tenant = TenantFileSchema.parse(readJson('tenant.json'));
    expect(tenant.id).toBe('demo');
    expect(tenant.welcome.es).not.toBe(tenant.welcome.en);
    expect(tenant.tagline.es).not.toBe(tenant.tagline.en);
  });

  it('catalog.json holds 3-5 valid items with unique ids, one of them "contact sales"', () => {
    const catalog = z.array(CatalogItemSchema).parse(readJson('catalog.json'));
    expect(catalog.length).toBeGreaterThanOrEqual(3);
    expect(catalog.length).toBeLessThanOrEqual(5);
    expect(new Set(catalog.map((c) => c.id)).size).toBe(catalog.length);
    expect(catalog.filter((c) => c.price === null)).toHaveLength(1);
    for (const item of catalog) {
      expect(item.features.es.length, `${item.id} features`).toBeGreaterThan(0);
      expect(item.features.es.length, `${item.id} features es/en`).toBe(item.features.en.length);
    }
  });

  it('knowledge pages exist in es and en with the same ids', () => {
    const es = pageIds('es');
    expect(es.length).toBeGreaterThanOrEqual(3);
    expect(pageIds('en')).toEqual(es);
  });

  it.each(['es', 'en'] as const)('every %s knowledge page starts with a "# Title" line', (language) => {
    for (const id of pageIds(language)) {
      const file = join(demoDir, 'knowledge', language, `${id}.md`);
      expect(existsSync(file)).toBe(true);
      const [first, ...rest] = readFileSync(file, 'utf8').split('\n');
      expect(first, file).toMatch(/^# \S.*$/);
      expect(rest.join('\n').trim().length, `${file} body`).toBeGreaterThan(50);
    }
  });
});
