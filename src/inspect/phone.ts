/**
 * Structural check for an international phone candidate (`+` then digits and separators). The
 * candidate pattern is deliberately loose (one character class, so it cannot backtrack badly);
 * the shape rules live here, in plain code.
 *
 * Two separators in a row end the number ("+49 30 1234567 - 24/7" is the number, then prose).
 * Returns the accepted length, or 0 to reject.
 */
export function confirmInternationalPhone(candidate: string): number {
  let digits = 0;
  let brackets = 0;
  let afterSeparator = false;
  let end = 0;
  for (let i = 1; i < candidate.length; i++) {
    const ch = candidate[i];
    if (ch === '(' || ch === ')') {
      brackets++;
    } else if (ch === ' ' || ch === '-' || ch === '.') {
      if (afterSeparator) break;
      afterSeparator = true;
    } else {
      afterSeparator = false;
      digits++;
      end = i + 1;
    }
  }
  // E.164 caps a number at 15 digits; fewer than 8 is a short code or arithmetic ("+1 234").
  if (digits < 8 || digits > 15) return 0;
  // At most one bracketed part: "+1 (415) 555-2671", "+44 (0)20 7946 0958", "(+44) 20 7946 0958".
  if (brackets > 2) return 0;
  return end;
}
