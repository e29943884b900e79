// The check digits that separate real card numbers, IBANs and SSNs from random digit runs.
// Hand-written: each is a few lines, and libraries such as ibantools validate a value you
// already have, while the guard must scan free text for candidates anyway.

/** Luhn (mod 10) check used by payment cards. `digits` holds only 0-9. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** ISO 13616 IBAN check: move the first four characters to the end, letters to numbers, mod 97 = 1. */
export function passesIbanChecksum(compactIban: string): boolean {
  const iban = compactIban.toUpperCase();
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    // Letters become two digits (A=10 ... Z=35).
    remainder = value > 9 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

// Numbers the SSA never issues or has publicly voided (advertising and sample numbers).
const VOID_SSNS = new Set(['078051120', '219099999', '123456789']);

/**
 * US Social Security number rules: area 001-899 except 666, group 01-99, serial 0001-9999,
 * and not one of the publicly voided numbers. `digits` is the 9 digits without separators.
 */
export function isPlausibleSsn(digits: string): boolean {
  const area = Number(digits.slice(0, 3));
  const group = Number(digits.slice(3, 5));
  const serial = Number(digits.slice(5));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (group === 0 || serial === 0) return false;
  return !VOID_SSNS.has(digits);
}
