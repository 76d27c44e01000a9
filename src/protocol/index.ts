export * from './lead.ts';
export * from './messages.ts';
export * from './conversation.ts';
