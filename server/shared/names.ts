/**
 * Names people read: of members, channels, files and pages. `cleanName` removes what a
 * reader cannot see but a screen still acts on (controls, zero-width and bidirectional
 * characters), so a name looks the way it is stored. `nameKey` folds the differences a
 * reader cannot see either (case, accents, look-alike letters from other scripts), so two
 * names that look alike compare equal.
 */

/** Line and paragraph breaks become spaces before controls go, so words stay apart. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g
/**
 * Controls (C0, C1, NUL), format characters (zero-width space, joiners, word joiner, byte
 * order mark, soft hyphen, every bidirectional mark, embedding, override and isolate),
 * lone surrogates, the combining grapheme joiner, and the blank letters (Hangul fillers,
 * Khmer and Mongolian invisible vowels and selectors) that render as nothing and so make
 * an "empty" name.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\u115f\u1160\u3164\uffa0]|\u034f|\u17b4|\u17b5|\u180b|\u180c|\u180d|\u180f/gu

/** NFC-normalised, without invisible characters, with single spaces, trimmed. */
export function cleanName(text: string): string {
  return text.normalize('NFC').replace(BREAKS, ' ').replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim()
}

/**
 * Letters that look like Latin ones, each above the Latin letter it passes for. Capitals
 * are looked up before lower-casing, because some pass for a different letter than their
 * small form does (Cyrillic Н reads "H", н does not read "h"). Digits and letters easily
 * taken for one another fold together on purpose: 0 and o, and 1, I, i and l.
 */
const LOOK_ALIKE_FROM = 'АВЕКМНОРСТУХЅІЈҮԀԚԜӀаеорсухѕіјүԁһԛԝӏΑΒΕΖΗΙΚΜΝΟΡΤΥΧαειονρυχıɡɑ01i|'
const LOOK_ALIKE_TO = 'abekmhopctyxsljydqwlaeopcyxsljydhqwlabezhlkmnoptyxaelovpuxlgaolll'
const LOOK_ALIKES = new Map([...LOOK_ALIKE_FROM].map((char, index) => [char, LOOK_ALIKE_TO[index] as string]))

function foldLookAlikes(text: string): string {
  let folded = ''
  for (const char of text) folded += LOOK_ALIKES.get(char) ?? char
  return folded
}

/**
 * A key under which names that look alike are equal: compatibility-normalised (full-width
 * and styled letters become plain ones), without accents, look-alikes folded, lower case,
 * "rn" read as "m" and "vv" as "w", and only letters and digits kept.
 */
export function nameKey(text: string): string {
  const plain = cleanName(text).normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFKC')
  // Upper then lower case folds "ß" to "ss" as well.
  return foldLookAlikes(foldLookAlikes(plain).toUpperCase().toLowerCase())
    .replace(/[^\p{L}\p{N}]/gu, '')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
}
