/**
 * Luhn (mod 10) check over a string of ASCII digits. Payment card numbers carry it as their last
 * digit, so a digit run that fails it is not a card, however card-shaped it looks.
 */
export function isLuhnValid(digits: string): boolean {
  if (digits.length === 0) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    const digit = digits.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      const doubled = digit * 2;
      sum += doubled > 9 ? doubled - 9 : doubled;
    } else {
      sum += digit;
    }
    double = !double;
  }
  return sum % 10 === 0;
}
