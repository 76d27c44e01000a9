import { z } from 'zod';
import { TenantHandoffSchema } from './handoff.ts';

const Localised = z.object({ es: z.string().min(1), en: z.string().min(1) });
export type Localised = z.infer<typeof Localised>;

/** One product or plan of the tenant's catalog (shown on the landing page, used by product_kb later). */
export const CatalogItemSchema = z.object({
  id: z.string().regex(/^[a-z0-9_-]+$/),
  name: Localised,
  description: Localised,
  /** Monthly price in `currency`; null = "contact sales". */
  price: z.number().nonnegative().nullable(),
  currency: z.string().length(3).default('USD'),
  features: z.object({ es: z.array(z.string()), en: z.array(z.string()) }),
});
export type CatalogItem = z.infer<typeof CatalogItemSchema>;

/** A knowledge page of the tenant's own docs (markdown file under `knowledge/<lang>/`). */
export interface KnowledgePage {
  id: string;
  language: 'es' | 'en';
  title: string;
  body: string;
}

/** `config/tenants/<id>/tenant.json`. */
export const TenantFileSchema = z.object({
  /** Must match the folder name. */
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _'),
  companyName: z.string().min(1),
  /** The assistant's display name in the widget and replies. */
  botName: z.string().min(1).default('Asistente'),
  tagline: Localised,
  /** First bubble the widget shows (rendered by the widget, not sent over the socket). */
  welcome: Localised,
  /** Language used when a message gives no clue. */
  defaultLanguage: z.enum(['es', 'en']).default('es'),
  /** Widget accent colour. */
  accentColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/)
    .default('#0f766e'),
  /**
   * Origins (`https://www.example.com`) whose pages may open this tenant's web chat socket; `*` for
   * any. Unset: the server's own pages and loopback (localhost) only. A browser sends `Origin`;
   * clients that send none (the CLI, server-to-server) are not limited by it.
   */
  allowedOrigins: z
    .array(z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, 'an origin such as https://www.example.com, or *'))
    .max(100)
    .optional(),
  /** The REST channel: SHA-256 (hex) of each token a caller may present, or `open` for anonymous calls. */
  rest: z
    .object({
      tokenSha256: z
        .array(z.string().regex(/^[0-9a-f]{64}$/i, 'the SHA-256 of the token, 64 hex digits'))
        .max(20)
        .optional(),
      open: z.boolean().optional(),
    })
    .strict()
    .optional(),
  /**
   * Tenant admin tokens (SHA-256 hex of each, never the token): each reads and erases this tenant's
   * leads and contacts and acts as admin in its console, and sees nothing of other tenants.
   */
  admin: z
    .object({
      tokenSha256: z
        .array(z.string().regex(/^[0-9a-f]{64}$/i, 'the SHA-256 of the token, 64 hex digits'))
        .min(1)
        .max(20),
    })
    .strict()
    .optional(),
  /** Human handoff: this tenant's Slack / Teams alert targets, business hours, live follow-up. */
  handoff: TenantHandoffSchema.optional(),
  /** Where prospects can start on a messenger: the landing page renders these as buttons. */
  contact: z
    .object({
      /** WhatsApp number in international format, digits only (wa.me links). */
      whatsapp: z
        .string()
        .regex(/^\d{6,15}$/, 'digits only, with the country code')
        .optional(),
      /** Telegram bot username without the @ (t.me links). */
      telegram: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9_]{3,31}$/, 'a Telegram bot username')
        .optional(),
    })
    .strict()
    .optional(),
  /**
   * Campaign links: a prefilled first message per language (`wa.me/<n>?text=…`) and the Telegram
   * start parameter (`t.me/<bot>?start=<id>`). A first message that is exactly a prefill makes the
   * lead's source `campaign:<id>`, and is read as a greeting, not as the prospect's problem.
   */
  campaigns: z
    .array(z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), prefill: Localised }).strict())
    .max(50)
    .optional(),
});

export const TenantSchema = TenantFileSchema.extend({
  catalog: z.array(CatalogItemSchema),
  knowledge: z.array(
    z.object({ id: z.string(), language: z.enum(['es', 'en']), title: z.string(), body: z.string() }),
  ),
});
export type TenantConfig = z.infer<typeof TenantSchema>;
