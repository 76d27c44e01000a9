import type { Database } from 'lmdb';
import type { LmdbStore } from '../adapters/lmdb-store.ts';
import type { TenantConfig } from '../config/tenant.ts';
import { leadIdFor } from '../ids.ts';
import type { Logger } from '../logger.ts';
import { extractFields } from '../nlu/extract.ts';
import { fold } from '../nlu/text.ts';
import type { HistoryEntry, Store } from '../ports/store.ts';
import type { InboundMessage, LeadInsights, LeadPayload } from '../protocol/index.ts';
import { PRIORITY } from '../protocol/index.ts';
import { errorMessage } from '../errors.ts';
import type { Bus } from '../ports/bus.ts';
import type { Clock } from '../ports/clock.ts';

export type ObjectionKind = LeadInsights['objections'][number];
export type ContactPreference = NonNullable<LeadInsights['contact_preference']>;

/** What the IntelligenceExtractor knows about one conversation (kept in LMDB `insights`). */
export interface ConversationInsights {
  conversationId: string;
  tenantId: string;
  /** Turns up to this one were read. */
  upToTurn: number;
  /** Epoch ms. */
  extractedAt: number;
  entities: { name?: string; company?: string; email?: string; phone?: string };
  /** Catalog items the person mentioned (ids), first mention first. */
  products: string[];
  objections: { kind: ObjectionKind; turn: number }[];
  contactPreference?: ContactPreference;
}

/** Objections, by kind; matched on accent-folded lower-case text (es and en). */
const OBJECTIONS: Record<ObjectionKind, RegExp> = {
  price:
    /\b(muy caro|demasiado caro|es caro|(?:no tenemos|no tengo|sin|fuera de(?:l)?) presupuesto|mas barato|too expensive|pricey|(?:no|out of|over) (?:the )?budget|cheaper|can'?t afford|no nos alcanza)\b/u,
  competitor:
    /\b(ya (?:usamos|tenemos|trabajamos con)|otro proveedor|la competencia|we (?:already )?(?:use|work with)|(?:another|other) (?:provider|vendor)|currently using|competitor)\b/u,
  timing:
    /\b(mas adelante|el (?:proximo|otro) (?:ano|mes|trimestre)|ahora no|por ahora no|no es el momento|later this year|next (?:year|quarter|month)|not (?:right )?now|not the right time)\b/u,
  authority:
    /\b(consultarlo con|tengo que (?:preguntar|consultar)|mi (?:jefe|socio|gerente|director)|(?:need|needs) (?:approval|to check with)|check with my|my (?:boss|manager|partner))\b/u,
};

const CONTACT: [ContactPreference, RegExp][] = [
  ['whatsapp', /\b(por whatsapp|via whatsapp|on whatsapp|por wsp)\b/u],
  ['phone', /\b(llamen(?:me)?|llamada|por telefono|call me|phone call|by phone|give me a call)\b/u],
  ['email', /\b(por correo|por (?:e-?)?mail|email me|by email|via email)\b/u],
];

/** Pure extraction over a conversation's lines (deterministic; no model). */
export function extractInsights(
  lines: readonly HistoryEntry[],
  catalog: TenantConfig['catalog'],
): Pick<ConversationInsights, 'entities' | 'products' | 'objections' | 'contactPreference'> {
  const entities: ConversationInsights['entities'] = {};
  const products: string[] = [];
  const objections: ConversationInsights['objections'] = [];
  let contactPreference: ContactPreference | undefined;
  // A plan is named with its kind ("plan Flota", "el paquete Profesional", "the Growth plan"), so
  // ordinary words that happen to be plan names ("inicial") do not count.
  const kind = '(?:plan|paquete|package|tier|licencia|license|edicion|edition)';
  const names = catalog.map((item) => {
    const keys = [item.id, ...Object.values(item.name)]
      .map((n) =>
        fold(n)
          .toLowerCase()
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('|');
    return {
      id: item.id,
      pattern: new RegExp(`\\b(?:${kind}\\s+(?:de\\s+)?(?:${keys})|(?:${keys})\\s+${kind})\\b`, 'u'),
    };
  });
  for (const line of lines) {
    if (line.role !== 'user') continue;
    const text = fold(line.text).toLowerCase();
    const { fields } = extractFields(line.text, { expecting: [] });
    for (const field of ['name', 'company', 'email', 'phone'] as const) {
      const value = fields[field];
      // The latest mention wins (people correct themselves).
      if (value) entities[field] = value;
    }
    for (const item of names) {
      if (!products.includes(item.id) && item.pattern.test(text)) products.push(item.id);
    }
    for (const [objection, pattern] of Object.entries(OBJECTIONS) as [ObjectionKind, RegExp][]) {
      if (pattern.test(text) && !objections.some((o) => o.kind === objection))
        objections.push({ kind: objection, turn: line.turn });
    }
    for (const [preference, pattern] of CONTACT) if (pattern.test(text)) contactPreference = preference;
  }
  return { entities, products, objections, ...(contactPreference ? { contactPreference } : {}) };
}

export interface IntelligenceOptions {
  store: Store;
  lmdb: LmdbStore;
  tenants: ReadonlyMap<string, TenantConfig>;
  log: Logger;
  now: () => number;
  /** Stores (and pushes, when complete) a lead the extractor filled in. */
  deliver: (lead: LeadPayload, previous: LeadPayload) => Promise<unknown>;
}

/**
 * IntelligenceExtractor: runs over conversations that went idle (the supervisor asks through the bus,
 * so it never races the conversation's own turns), extracts entities, products of interest,
 * objections and contact preferences into the `insights` store, and fills what the stored lead
 * still misses (company, phone) plus an `insights` block on it.
 */
export class IntelligenceExtractor {
  private readonly db: Database<ConversationInsights, string>;

  constructor(private readonly options: IntelligenceOptions) {
    this.db = options.lmdb.database<ConversationInsights, string>('insights');
  }

  get(conversationId: string): ConversationInsights | undefined {
    return this.db.get(conversationId);
  }

  /** Reads the conversation (when it has new turns), stores its insights and fills its lead. */
  async run(conversationId: string, tenantId: string): Promise<ConversationInsights | undefined> {
    const tenant = this.options.tenants.get(tenantId);
    if (!tenant) return undefined;
    const lines = await this.options.store.getHistory(conversationId, 1000);
    const lastTurn = lines.at(-1)?.turn ?? 0;
    const previous = this.db.get(conversationId);
    if (lastTurn === 0 || (previous && previous.upToTurn >= lastTurn)) return previous;
    const found = extractInsights(lines, tenant.catalog);
    const insights: ConversationInsights = {
      conversationId,
      tenantId,
      upToTurn: lastTurn,
      extractedAt: this.options.now(),
      ...found,
    };
    await this.db.put(conversationId, insights);
    await this.fillLead(insights);
    this.options.log.debug(
      { conversationId, products: found.products.length, objections: found.objections.length },
      'insights extracted',
    );
    return insights;
  }

  private async fillLead(insights: ConversationInsights): Promise<void> {
    const lead = await this.options.store.getLead(insights.tenantId, leadIdFor(insights.conversationId));
    if (!lead) return;
    const block: LeadInsights = {
      products_of_interest: insights.products,
      objections: insights.objections.map((o) => o.kind),
      ...(insights.contactPreference ? { contact_preference: insights.contactPreference } : {}),
    };
    const updated: LeadPayload = {
      ...lead,
      contact_info: {
        ...lead.contact_info,
        phone_or_username: lead.contact_info.phone_or_username ?? insights.entities.phone ?? null,
      },
      business_context: {
        ...lead.business_context,
        company_name: lead.business_context.company_name ?? insights.entities.company ?? null,
      },
      insights: block,
    };
    if (JSON.stringify(updated) === JSON.stringify(lead)) return;
    updated.updated_at = new Date(this.options.now()).toISOString();
    await this.options.deliver(updated, lead);
  }
}

/**
 * The supervisor's `onPassivated` hook: a conversation that went idle gets an `insights.due`
 * message, run in its order at low priority (a full queue just waits for the next idle period).
 */
export function queueInsights(bus: Pick<Bus, 'publish'>, clock: Clock, log: Logger) {
  return (to: {
    conversationId: string;
    tenantId: string;
    channel: InboundMessage['channel'];
    userId: string;
  }) => {
    bus
      .publish({
        type: 'user.message',
        id: `insights:${clock.now()}`,
        ...to,
        text: '',
        receivedAt: clock.now(),
        priority: PRIORITY.low,
        system: 'insights.due',
      })
      .catch((error: unknown) =>
        log.debug(
          { conversationId: to.conversationId, err: errorMessage(error) },
          'insight extraction not queued; next idle period',
        ),
      );
  };
}
