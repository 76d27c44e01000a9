// The right column (a toggle section on phones): the lead card and its edit form.

import { ApiError, conversationPath, patch } from '/console/api.js';
import { byId, el, label, urgencyBadge } from '/console/dom.js';
import { t } from '/console/i18n.js';
import { isMine, queueItem, state } from '/console/state.js';

const AREAS = ['Ventas', 'Soporte', 'Facturación', 'Otro'];
const URGENCIES = ['Alto', 'Medio', 'Bajo'];

/**
 * The card's fields. `sources`: the keys of `field_sources` that mean "entered by an operator"
 * (the payload names the problem field `problem`); `input`: how the form edits it.
 */
const FIELDS = [
  { name: 'name', value: (l) => l?.contact_info?.name, sources: ['name'], input: 'text' },
  { name: 'email', value: (l) => l?.contact_info?.email, sources: ['email'], input: 'email' },
  { name: 'phone', value: (l) => l?.contact_info?.phone_or_username, sources: ['phone'], input: 'tel' },
  { name: 'company', value: (l) => l?.business_context?.company_name, sources: ['company'], input: 'text' },
  {
    name: 'interest_area',
    value: (l) => l?.business_context?.interest_area,
    sources: ['interest_area'],
    input: 'select',
    options: AREAS,
    prefix: 'area',
  },
  {
    name: 'urgency_level',
    value: (l) => l?.urgency_level,
    sources: ['urgency_level'],
    input: 'select',
    options: URGENCIES,
    prefix: 'urgency',
  },
  { name: 'qualification', value: (l) => l?.qualification, prefix: 'qualification' },
  { name: 'status', value: (l) => l?.status, prefix: 'status' },
  { name: 'reference', value: (l) => l?.reference ?? queueItem(state.openId)?.reference },
  {
    name: 'problem_statement',
    value: (l) => l?.problem_statement,
    sources: ['problem', 'problem_statement'],
    input: 'textarea',
  },
];

let editing = false;
let saving = false;
let formError = '';
let callbacks = { onError: () => {}, onSaved: () => {} };

export function initLead(handlers) {
  callbacks = { ...callbacks, ...handlers };
  byId('lead-toggle').addEventListener('click', () =>
    setOpen(!byId('lead-pane').classList.contains('is-open')),
  );
}

function setOpen(open) {
  byId('lead-pane').classList.toggle('is-open', open);
  byId('lead-toggle').setAttribute('aria-expanded', String(open));
}

/** A different conversation: leave edit mode, fold the phone section. */
export function resetLead() {
  editing = false;
  saving = false;
  formError = '';
  setOpen(false);
  byId('lead-pane').hidden = !state.openId;
  byId('lead-card').replaceChildren();
}

const text = (value) => (value == null ? '' : String(value));

function operatorTag() {
  return el('span', {
    className: 'tag-operator',
    attrs: { title: t('operatorTagTitle') },
    text: t('operatorTag'),
  });
}

function fromOperator(lead, field) {
  const sources = lead?.field_sources ?? {};
  return (field.sources ?? []).some((key) => sources[key] === 'operator');
}

function viewRow(lead, field) {
  const raw = text(field.value(lead));
  const shown = field.prefix ? label(field.prefix, raw) : raw;
  const value =
    field.name === 'urgency_level' && raw
      ? urgencyBadge(raw)
      : el('span', { className: shown ? '' : 'is-empty', text: shown || '—' });
  return el(
    'div',
    { className: `lead-row${field.input === 'textarea' ? ' is-wide' : ''}`, data: { field: field.name } },
    el('dt', { text: t(`field_${field.name}`) }),
    el('dd', {}, value, fromOperator(lead, field) ? operatorTag() : null),
  );
}

function renderView(card, lead) {
  const head = el(
    'div',
    { className: 'lead-head' },
    el('h2', { className: 'pane-title', text: t('leadTitle') }),
    el('button', {
      className: 'btn btn-small',
      testid: 'lead-edit',
      attrs: { type: 'button', disabled: !state.conv },
      text: t('edit'),
      on: { click: () => startEditing() },
    }),
  );
  const body = lead
    ? el('dl', { className: 'lead-fields' }, ...FIELDS.map((f) => viewRow(lead, f)))
    : el('p', { className: 'empty', text: state.conv ? t('leadNone') : t('loading') });
  card.replaceChildren(head, body);
}

function control(lead, field) {
  const id = `lead-field-${field.name}`;
  const current = text(field.value(lead));
  const common = { testid: id, attrs: { id, name: field.name } };
  if (field.input === 'select') {
    const choices = current && field.options.includes(current) ? [] : [['', t('chooseOption')]];
    choices.push(...field.options.map((o) => [o, label(field.prefix, o)]));
    const select = el(
      'select',
      common,
      ...choices.map(([value, shown]) => el('option', { attrs: { value }, text: shown })),
    );
    select.value = field.options.includes(current) ? current : '';
    return select;
  }
  if (field.input === 'textarea') {
    const area = el('textarea', { ...common, attrs: { ...common.attrs, rows: 4, maxlength: 2000 } });
    area.value = current;
    return area;
  }
  const input = el('input', {
    ...common,
    attrs: { ...common.attrs, type: field.input, maxlength: field.input === 'email' ? 254 : 200 },
  });
  input.value = current;
  return input;
}

function renderForm(card, lead) {
  const editable = FIELDS.filter((f) => f.input);
  const form = el(
    'form',
    { className: 'lead-form', attrs: { novalidate: true }, on: { submit: (e) => void save(e, lead) } },
    el('h2', { className: 'pane-title', text: t('leadTitle') }),
    ...editable.map((field) =>
      el(
        'div',
        { className: 'form-row' },
        el('label', { attrs: { for: `lead-field-${field.name}` }, text: t(`field_${field.name}`) }),
        control(lead, field),
      ),
    ),
    isMine() ? null : el('p', { className: 'hint', text: t('leadNeedsOwner') }),
    el('p', { className: 'form-error', attrs: { role: 'alert' }, text: formError }),
    el(
      'div',
      { className: 'form-actions' },
      el('button', {
        className: 'btn btn-primary',
        testid: 'lead-save',
        attrs: { type: 'submit', disabled: saving },
        text: saving ? t('saving') : t('save'),
      }),
      el('button', {
        className: 'btn',
        testid: 'lead-cancel',
        attrs: { type: 'button', disabled: saving },
        text: t('cancel'),
        on: { click: () => stopEditing() },
      }),
    ),
  );
  card.replaceChildren(form);
}

export function renderLead() {
  const card = byId('lead-card');
  byId('lead-pane').hidden = !state.openId;
  if (!state.openId) return;
  const lead = state.conv?.lead ?? null;
  if (editing && state.conv) renderForm(card, lead);
  else renderView(card, lead);
}

/** Re-renders the form's chrome (language) without losing what was typed. */
export function relabelLead() {
  if (!editing) return renderLead();
  const values = new Map();
  for (const node of byId('lead-card').querySelectorAll('input, select, textarea'))
    values.set(node.name, node.value);
  renderLead();
  for (const node of byId('lead-card').querySelectorAll('input, select, textarea'))
    if (values.has(node.name)) node.value = values.get(node.name);
}

function startEditing() {
  if (!state.conv) return;
  editing = true;
  formError = '';
  setOpen(true);
  renderLead();
  byId('lead-field-name')?.focus();
}

function stopEditing() {
  editing = false;
  formError = '';
  renderLead();
  byId('lead-card').querySelector('[data-testid="lead-edit"]')?.focus();
}

/** Sends only the fields that changed. */
async function save(event, lead) {
  event.preventDefault();
  if (saving) return;
  const form = event.currentTarget;
  const fields = {};
  for (const field of FIELDS.filter((f) => f.input)) {
    const value = form.elements.namedItem(field.name).value.trim();
    const before = text(field.value(lead)).trim();
    const baseline = field.options && !field.options.includes(before) ? '' : before;
    if (value !== baseline) fields[field.name] = value;
  }
  if (Object.keys(fields).length === 0) return stopEditing();
  const id = state.openId;
  saving = true;
  formError = '';
  relabelLead();
  try {
    const result = await patch(conversationPath(id, 'lead'), { operator: state.me.name, fields });
    if (state.openId !== id) return;
    if (result?.lead) state.conv.lead = result.lead;
    saving = false;
    stopEditing();
    callbacks.onSaved();
  } catch (error) {
    if (state.openId !== id) return;
    saving = false;
    formError = error instanceof ApiError ? error.message : String(error);
    relabelLead();
    callbacks.onError(error);
  }
}
