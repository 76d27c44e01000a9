import { z } from 'zod';
import { tool, type Skill } from '../tool.ts';

/** Same rule as the built-in extractor: local@domain.tld, no spaces, a dot in the domain. */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;
const COMMON_DOMAIN_TYPOS: Record<string, string> = {
  'gmial.com': 'gmail.com',
  'gmai.com': 'gmail.com',
  'gmail.co': 'gmail.com',
  'hotmial.com': 'hotmail.com',
  'hotmail.co': 'hotmail.com',
  'outlok.com': 'outlook.com',
  'yahoo.co': 'yahoo.com',
};

export const verifyEmailFormat = tool({
  name: 'verify_email_format',
  description:
    'Checks whether an email address is well formed and suggests a fix for common typos. Use before saving an email.',
  input: z.object({ email: z.string().max(320).describe('The address the person wrote') }),
  execute: ({ email }) => {
    const value = email.trim().toLowerCase();
    if (!EMAIL.test(value)) return { valid: false, reason: 'not_an_email_address' };
    const domain = value.split('@')[1] ?? '';
    const fixed = COMMON_DOMAIN_TYPOS[domain];
    return fixed ? { valid: true, suggestion: value.replace(domain, fixed) } : { valid: true };
  },
});

export const saveTempLeadData = tool({
  name: 'save_temp_lead_data',
  description:
    'Saves what the person said about themselves: name, email, phone, company and the problem they need solved. Call it whenever they give any of these.',
  input: z
    .object({
      name: z.string().min(1).max(120).optional(),
      email: z.string().max(320).optional(),
      phone: z.string().max(40).optional(),
      company: z.string().min(1).max(160).optional(),
      problem: z.string().min(1).max(600).optional().describe('What the person needs to solve, in 1-3 lines'),
    })
    .strict(),
  execute: (fields, ctx) => {
    const saved: string[] = [];
    const rejected: Record<string, string> = {};
    const accepted: Record<string, string> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value !== 'string' || value.trim() === '') continue;
      if (key === 'email' && !EMAIL.test(value.trim())) {
        rejected.email = 'invalid email format; ask the person to write it again';
        continue;
      }
      accepted[key] = value.trim();
      saved.push(key);
    }
    ctx.capture(accepted);
    const known = new Set([...saved, ...Object.keys(ctx.lead).filter((k) => k !== 'username')]);
    const missing = ['name', 'email', 'problem'].filter((f) => !known.has(f));
    return { saved, rejected, missing };
  },
});

const skill: Skill = {
  name: 'lead_capture',
  description: 'Captures and validates the contact data of the lead.',
  tools: [verifyEmailFormat, saveTempLeadData],
};
export default skill;
