/**
 * Splits a reply into chunks of at most `max` characters for apps with a message size limit
 * (Telegram 4096, WhatsApp 4096). Cuts at a paragraph, then a sentence, then a word boundary; a
 * single word longer than `max` is cut hard. Never splits a surrogate pair. Empty text gives [].
 */
export function splitMessage(text: string, max: number): string[] {
  if (max < 2) throw new RangeError('max must be at least 2');
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = Math.max(window.lastIndexOf('\n\n'), -1);
    if (cut < max / 3)
      cut = Math.max(window.lastIndexOf('. '), window.lastIndexOf('? '), window.lastIndexOf('! ')) + 1;
    if (cut < max / 3) cut = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\n'));
    if (cut < max / 3) {
      cut = max;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    }
    const head = rest.slice(0, cut).trimEnd();
    if (head) chunks.push(head);
    rest = rest.slice(cut).trimStart();
  }
  if (rest) chunks.push(rest);
  return chunks;
}
