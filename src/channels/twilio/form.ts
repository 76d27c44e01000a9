/**
 * Twilio webhook bodies are `application/x-www-form-urlencoded`. A name sent more than once keeps every
 * value (as an array), which is what Twilio's signature covers.
 */
export type FormParams = Record<string, string | string[]>;

/** Parses a form-encoded body into a prototype-free record (`__proto__` is just a name here). */
export function parseForm(raw: string): FormParams {
  const params = Object.create(null) as FormParams;
  for (const [name, value] of new URLSearchParams(raw)) {
    const previous = params[name];
    if (previous === undefined) params[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else params[name] = [previous, value];
  }
  return params;
}

/** One value of a parameter (the first when it was repeated); undefined when absent. */
export function param(params: FormParams, name: string): string | undefined {
  if (!Object.hasOwn(params, name)) return undefined;
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}
