/**
 * Which language a message is in, for the ThreatDetector's verdict (the caller answers a blocked
 * message in that language). A stopword vote over the accent-folded text; languages the product does
 * not answer in (German, French, Italian, anything in another script) come back as 'other'.
 */

/** Languages the detector names; everything else is 'other'. */
export type ThreatLanguage = 'es' | 'en' | 'pt' | 'other';

type Voter = 'es' | 'en' | 'pt' | 'de' | 'fr' | 'it';

const words = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/u).filter((w) => w.length > 0));

// Accent-folded, lower-case; words shared by several of these languages are left out on purpose.
const STOPWORDS: Readonly<Record<Voter, ReadonlySet<string>>> = {
  es: words(`el la los las del que y en un una por para con es son esta estan estoy pero mas como
    se lo le les su sus mi mis tu tus yo nos muy ya hay tengo tiene necesito quiero puedo puedes
    hola gracias cuanto cuando donde porque pero todo todas todos ahora usted ustedes sobre este
    esto eso ese al cual cuales quien hacer tambien sin anteriores instrucciones dime dame olvida`),
  en: words(`the and of to in is are was were be been it that this with for on you your my i me we
    our they what which who how can could would should will not do does did have has had an at
    from or if but about please thanks hello hi just all any there their them then than so`),
  pt: words(`o os as do da dos das que e em um uma por para com nao sim voce voces seu sua meu
    minha nos eu ele ela isso esse essa este esta estou tenho tem preciso quero posso pode obrigado
    obrigada ola como quando onde porque mas mais muito tambem ja agora todas todos ao fazer`),
  de: words(`der die das und ist nicht ich du sie er es wir ihr ein eine einen dem den des mit
    auf fur von zu im ist sind war bitte danke hallo wie was wer warum wo kann konnen mochte
    auch noch nur schon alle alles jetzt nun oder aber wenn dass`),
  fr: words(`le la les des du et est un une je il elle nous vous ils pour avec dans sur pas ne
    que qui quoi mais ou donc car mon ton son ma ta sa mes tes ses bonjour merci oui suis sont`),
  it: words(`il lo la gli le di del della che e un una per con non sono sei io tu lui lei noi voi
    ciao grazie come quando dove perche ma anche gia molto questo questa quello tutto`),
};

const ORDER: readonly Voter[] = ['es', 'en', 'pt', 'de', 'fr', 'it'];

/**
 * Guesses the language of `text`. `folded` is the text already lower-cased without accents (the
 * detector has it at hand); pass the raw text to look at letters such as ñ, ã or ß as well.
 */
export function detectThreatLanguage(raw: string, folded: string): ThreatLanguage {
  const sample = raw.slice(0, 2_000);
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  const foreign =
    sample.match(
      /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Cyrillic}\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Devanagari}\p{Script=Thai}\p{Script=Greek}]/gu,
    )?.length ?? 0;
  if (letters > 0 && foreign / letters > 0.3) return 'other';
  const score: Record<Voter, number> = { es: 0, en: 0, pt: 0, de: 0, fr: 0, it: 0 };
  score.es += (sample.match(/[ñ¿¡]/gu)?.length ?? 0) * 1.5;
  score.pt += (sample.match(/[ãõç]|ção|ões/gu)?.length ?? 0) * 1.5;
  score.de += (sample.match(/[ßäöü]/gu)?.length ?? 0) * 1.5;
  let n = 0;
  for (const m of folded.slice(0, 2_000).matchAll(/\p{L}+/gu)) {
    n += 1;
    for (const lang of ORDER) if (STOPWORDS[lang].has(m[0])) score[lang] += 1;
    if (n > 300) break;
  }
  // Strictly greater wins, so on a tie the earlier language in ORDER (ours first) is kept.
  let best: Voter = 'es';
  let bestScore = 0;
  for (const lang of ORDER) {
    if (score[lang] > bestScore) {
      bestScore = score[lang];
      best = lang;
    }
  }
  if (bestScore < 1) return 'other';
  return best === 'es' || best === 'en' || best === 'pt' ? best : 'other';
}
