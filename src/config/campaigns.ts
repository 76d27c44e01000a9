/** Campaign links: which configured campaign a first message (or a Telegram start payload) belongs to. */

import type { TenantConfig } from './tenant.ts';

const norm = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** The campaign whose prefilled text (in either language) `text` is, exactly but for case and punctuation. */
export function campaignOfText(tenant: Pick<TenantConfig, 'campaigns'>, text: string): string | undefined {
  const t = norm(text);
  if (t === '') return undefined;
  return (tenant.campaigns ?? []).find((c) => norm(c.prefill.es) === t || norm(c.prefill.en) === t)?.id;
}

/** The lead `source` of a first message that is a campaign link's prefilled text (`campaign:<id>`). */
export function campaignSource(tenant: Pick<TenantConfig, 'campaigns'>, text: string): string | undefined {
  const id = campaignOfText(tenant, text);
  return id === undefined ? undefined : `campaign:${id}`;
}

/** `wa.me` and `t.me` links of every campaign, for the landing page. */
export function campaignLinks(
  tenant: Pick<TenantConfig, 'campaigns' | 'contact'>,
  language: 'es' | 'en',
): { id: string; whatsapp?: string; telegram?: string }[] {
  return (tenant.campaigns ?? []).map((c) => ({
    id: c.id,
    ...(tenant.contact?.whatsapp
      ? {
          whatsapp: `https://wa.me/${tenant.contact.whatsapp}?text=${encodeURIComponent(c.prefill[language])}`,
        }
      : {}),
    ...(tenant.contact?.telegram
      ? { telegram: `https://t.me/${tenant.contact.telegram}?start=${encodeURIComponent(c.id)}` }
      : {}),
  }));
}
