/**
 * A fast token estimate for text, calibrated against OpenAI's o200k_base BPE (gpt-4o and later).
 *
 * Running the real BPE on every request costs far more than the routing decision it feeds, so this
 * walks the text once and mimics the tokenizer's pre-split instead: o200k first cuts text into
 * words (letters, one leading space or punctuation mark attached, camelCase split), digit groups
 * of up to three, punctuation runs and whitespace runs, and most such pieces become one token.
 * The weights below were fitted on the corpus in `token-corpus.fixture.ts` and rounded; see
 * `estimateTokens` for the measured error.
 */

enum CharClass {
  Lower,
  Upper,
  Digit,
  Space,
  Newline,
  Punct,
  /** Accented Latin, Greek, Cyrillic, Hebrew, Arabic, Indic, …: alphabetic but rarer in the vocabulary. */
  OtherLetter,
  Han,
  Kana,
  Hangul,
  /** First half of a surrogate pair: emoji and rare ideographs. */
  Astral,
  /** Second half of a surrogate pair: already counted with the first. */
  Trailing,
  Symbol,
}

/** Letters in a word that a single token still usually covers. */
const WORD_FREE_LETTERS = 8;
/** Each letter beyond that: long or rare words split into pieces of about two letters. */
const TOKENS_PER_EXTRA_LETTER = 0.5;
/** Each non-ASCII letter in a word: accented words split more often. */
const TOKENS_PER_OTHER_LETTER = 0.1;
/** A punctuation run is one piece; long runs ("=====", "}));") split a little. */
const TOKENS_PER_EXTRA_PUNCT = 0.1;
/** One mark right before a word (`"name`, `.map`, `_id`) often merges with it. */
const TOKENS_PER_ATTACHED_PUNCT = 0.4;
const TOKENS_PER_HAN = 0.6;
const TOKENS_PER_KANA = 1;
const TOKENS_PER_HANGUL = 0.6;
const TOKENS_PER_ASTRAL = 1.5;
const TOKENS_PER_SYMBOL = 1;
/** Digits are split into groups of up to three before merging. */
const DIGITS_PER_TOKEN = 3;

const ASCII_CLASSES: readonly CharClass[] = Array.from({ length: 128 }, (_, code) => {
  if (code >= 97 && code <= 122) return CharClass.Lower;
  if (code >= 65 && code <= 90) return CharClass.Upper;
  if (code >= 48 && code <= 57) return CharClass.Digit;
  if (code === 10 || code === 13) return CharClass.Newline;
  if (code <= 32 || code === 127) return CharClass.Space;
  return CharClass.Punct;
});

function classOf(code: number): CharClass {
  if (code < 128) return ASCII_CLASSES[code]!;
  if (code >= 0x3040 && code <= 0x30ff) return CharClass.Kana;
  if (
    (code >= 0x2e80 && code <= 0x9fff) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xff00 && code <= 0xffef)
  ) {
    return CharClass.Han;
  }
  if (code >= 0xac00 && code <= 0xd7af) return CharClass.Hangul;
  if (code >= 0xd800 && code <= 0xdbff) return CharClass.Astral;
  if (code >= 0xdc00 && code <= 0xdfff) return CharClass.Trailing;
  if (code === 0xa0 || code === 0x2028 || code === 0x2029 || (code >= 0x2000 && code <= 0x200b))
    return CharClass.Space;
  if (
    (code >= 0xc0 && code <= 0x24f && code !== 0xd7 && code !== 0xf7) ||
    (code >= 0x370 && code <= 0x1fff)
  ) {
    return CharClass.OtherLetter;
  }
  return CharClass.Symbol;
}

function isLetter(cls: CharClass): boolean {
  return cls === CharClass.Lower || cls === CharClass.Upper || cls === CharClass.OtherLetter;
}

function wordTokens(asciiLetters: number, otherLetters: number): number {
  const extra = Math.max(0, asciiLetters + otherLetters - WORD_FREE_LETTERS);
  return 1 + extra * TOKENS_PER_EXTRA_LETTER + otherLetters * TOKENS_PER_OTHER_LETTER;
}

/** Estimated o200k token count of `text` (fractional; callers round the total once). */
export function estimateTextTokens(text: string): number {
  let tokens = 0;
  let asciiLetters = 0;
  let otherLetters = 0;
  let digits = 0;
  let punct = 0;
  let spaces = 0;
  let newline = false;
  /** A newline right after punctuation (",\n", "{\n") is part of the punctuation piece. */
  let newlineAfterPunct = false;
  let previous = CharClass.Space;

  for (let i = 0; i < text.length; i++) {
    const cls = classOf(text.charCodeAt(i));
    const letter = isLetter(cls);

    // Close the runs this character ends. camelCase starts a new word at the capital.
    if (
      (!letter || (cls === CharClass.Upper && previous === CharClass.Lower)) &&
      asciiLetters + otherLetters > 0
    ) {
      tokens += wordTokens(asciiLetters, otherLetters);
      asciiLetters = 0;
      otherLetters = 0;
    }
    if (cls !== CharClass.Digit && digits > 0) {
      tokens += Math.ceil(digits / DIGITS_PER_TOKEN);
      digits = 0;
    }
    if (cls !== CharClass.Punct && punct > 0) {
      tokens += punct === 1 && letter ? TOKENS_PER_ATTACHED_PUNCT : 1 + (punct - 1) * TOKENS_PER_EXTRA_PUNCT;
      newlineAfterPunct = cls === CharClass.Newline;
      punct = 0;
    }
    if (cls !== CharClass.Space && cls !== CharClass.Newline && (spaces > 0 || newline)) {
      if (newline && !newlineAfterPunct) tokens += 1;
      // Indentation is one piece; a single space rides on the next word or mark, but not on digits.
      if (spaces >= 2) tokens += 1;
      if (spaces >= 1 && cls === CharClass.Digit) tokens += 1;
      spaces = 0;
      newline = false;
      newlineAfterPunct = false;
    }

    switch (cls) {
      case CharClass.Lower:
      case CharClass.Upper:
        asciiLetters++;
        break;
      case CharClass.OtherLetter:
        otherLetters++;
        break;
      case CharClass.Digit:
        digits++;
        break;
      case CharClass.Punct:
        punct++;
        break;
      case CharClass.Space:
        spaces++;
        break;
      case CharClass.Newline:
        newline = true;
        spaces = 0;
        break;
      case CharClass.Han:
        tokens += TOKENS_PER_HAN;
        break;
      case CharClass.Kana:
        tokens += TOKENS_PER_KANA;
        break;
      case CharClass.Hangul:
        tokens += TOKENS_PER_HANGUL;
        break;
      case CharClass.Astral:
        tokens += TOKENS_PER_ASTRAL;
        break;
      case CharClass.Symbol:
        tokens += TOKENS_PER_SYMBOL;
        break;
      case CharClass.Trailing:
        break;
    }
    previous = cls;
  }

  if (asciiLetters + otherLetters > 0) tokens += wordTokens(asciiLetters, otherLetters);
  if (digits > 0) tokens += Math.ceil(digits / DIGITS_PER_TOKEN);
  if (punct > 0) tokens += 1 + (punct - 1) * TOKENS_PER_EXTRA_PUNCT;
  if (newline && !newlineAfterPunct) tokens += 1;
  if (spaces >= 2) tokens += 1;
  return tokens;
}
