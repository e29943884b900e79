// Personal data recognised by pattern and confirmed by checksum or range rules: emails, payment
// cards, IBANs, US SSNs, IP addresses and phone numbers (and numbers written with words:
// worded-numbers.ts).
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { isPlausibleSsn, passesIbanChecksum, passesLuhn } from './checksums.js';
import type { PiiDetector } from './pii-detector.js';
import { WORDED_NUMBER_DETECTOR } from './worded-numbers.js';

const digitsOf = (text: string) => text.replace(/\D/g, '');

const CARD_CONTEXT = /card[^\n]{0,20}$/i;

/** 13-19 digit cards; 12 digits only for Maestro ranges (50, 56-69) or after the word "card". */
function isCardNumber(match: string, text: string, index: number): boolean {
  const digits = digitsOf(match);
  if (digits.length < 12 || digits.length > 19) return false;
  const maestro =
    /^(?:50|5[6-9]|6)/.test(digits) || CARD_CONTEXT.test(text.slice(Math.max(0, index - 30), index));
  if (digits.length === 12 && !maestro) return false;
  return passesLuhn(digits);
}

// Within 40 characters before an unseparated 9-digit number, these words make it an SSN.
const SSN_CONTEXT = /(?:ssn|social security|sozialversicherung)[^\n]{0,40}$/i;

function isSsn(match: string, text: string, index: number): boolean {
  const digits = digitsOf(match);
  if (!isPlausibleSsn(digits)) return false;
  if (/\D/.test(match)) return true;
  return SSN_CONTEXT.test(text.slice(Math.max(0, index - 60), index));
}

// Addresses that name no one: loopback, unspecified, private, link-local and broadcast ranges
// (`listen on 127.0.0.1`, `0.0.0.0`, `192.168.1.10` in a question about configuration).
const NON_PERSONAL_V4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['255.255.255.255', 32],
] as const) {
  NON_PERSONAL_V4.addSubnet(network, prefix, 'ipv4');
}

const isPersonalIpv4 = (match: string) => isIPv4(match) && !NON_PERSONAL_V4.check(match, 'ipv4');

function isIpv6(match: string): boolean {
  // Needs three groups at least, so that `a::b` in code and clock times stay text.
  return (match.match(/[0-9a-f]+/gi)?.length ?? 0) >= 3 && isIPv6(match);
}

// Shapes of digit groups that are not phone numbers: dates (2024-05-17, 17.05.2024), the SSN
// layout (123-45-6789, left to the SSN rule) and round amounts (1 000 000, 2 500 000).
const NOT_PHONE_SHAPES = [
  // A dotted quad is an IPv4 address (a loopback or private one is not PII at all).
  /^\d{1,3}(?:\.\d{1,3}){3}$/,
  /^\d{4}[-./]\d{1,2}[-./]\d{1,2}(?:$|\s)/,
  /^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/,
  /^\d{3}-\d{2}-\d{4}$/,
  /^\d{1,3}(?:[ .]\d{3})*[ .]000$/,
];

/**
 * 7-15 digits (ITU E.164 allows 15) in groups. An unbroken run needs 10 digits or a leading `+`,
 * so that amounts, years and order numbers stay text.
 */
function isPhoneNumber(match: string, text: string, index: number): boolean {
  if (looksLikeHouseNumber(match, text, index)) return false;
  const main = match.replace(/\s*(?:x|ext\.?)\s*\d+$/i, '');
  const digits = digitsOf(main);
  if (digits.length < 7 || digits.length > 15) return false;
  if (NOT_PHONE_SHAPES.some((shape) => shape.test(main))) return false;
  const grouped = /[\s()./-]/.test(main);
  return grouped || main.startsWith('+') || digits.length >= 10;
}

// Words around a number that make it part of a postal address.
const STREET_AFTER =
  /^ (?:[\p{L}'.-]+ ){0,3}(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|close|place|pl|way|court|ct|boulevard|blvd|square|sq|str|rue|straße|strasse|gasse|weg|vej|vei|gatan|via|calle)\b/iu;
const UNIT_BEFORE = /(?:apt|apartment|suite|unit|no|zip|zip code|postal code|postcode|plz):?\.? $/i;

/** A short, plain number right before a street name or after `Apt.`/`Suite` is an address part. */
function looksLikeHouseNumber(match: string, text: string, index: number): boolean {
  if (/[+(]/.test(match) || digitsOf(match).length >= 10) return false;
  const after = text.slice(index + match.length, index + match.length + 40);
  const before = text.slice(Math.max(0, index - 12), index);
  return STREET_AFTER.test(after) || UNIT_BEFORE.test(before);
}

/** Personal-data detectors, most specific first (overlaps keep the earlier rule). */
export const PERSONAL_DETECTORS: PiiDetector[] = [
  {
    type: 'email',
    rule: 'email',
    hint: /@/,
    // Letters of any script: internationalised addresses (`jörg@bücher.de`).
    pattern:
      /(?<![\p{L}\p{N}_.%+-])[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){0,8}\.\p{L}{2,24}(?![\p{L}\p{N}_-])/gu,
  },
  {
    type: 'email',
    rule: 'email:spelled',
    hint: /[([{<]\s*at\s*[)\]}>]|\sdot\s/i,
    // `jane(at)example.com`, `jane [at] example [dot] com`, `jane at example dot com`: a bracketed
    // `at`, or a bare one only with a spelled-out `dot` before the top-level domain.
    pattern:
      /(?<![\p{L}\p{N}_.%+-])[\p{L}\p{N}._%+-]{1,64}(?:\s*[([{<]\s*at\s*[)\]}>]\s*[\p{L}\p{N}-]{1,63}(?:(?:\.|\s*[([{<]\s*dot\s*[)\]}>]\s*)[\p{L}\p{N}-]{1,63}){0,8}(?:\.|\s*[([{<]\s*dot\s*[)\]}>]\s*)|\s+at\s+[\p{L}\p{N}-]{1,63}(?:(?:\.|\s+dot\s+)[\p{L}\p{N}-]{1,63}){0,8}\s+dot\s+)\p{L}{2,24}(?![\p{L}\p{N}_-])/giu,
  },
  {
    type: 'iban',
    rule: 'iban:mod97',
    hint: /\d\d/,
    // Compact, or printed in groups of four (by spaces, dashes or dots), in any case.
    pattern:
      /(?<![A-Za-z0-9])(?:[A-Za-z]{2}\d{2}[A-Za-z0-9]{11,30}|[A-Za-z]{2}\d{2}(?:[ .-][A-Za-z0-9]{4}){2,7}(?:[ .-][A-Za-z0-9]{1,3})?)(?![A-Za-z0-9]|[.-][A-Za-z0-9])/g,
    accept: (match) => passesIbanChecksum(match.replace(/[ .-]/g, '')),
  },
  {
    type: 'card',
    rule: 'card:luhn',
    hint: /\d{4}/,
    // Grouped by spaces, dashes, dots or slashes (one kind throughout).
    pattern:
      /(?<![\w./-])\d{4}(?:([ ./-]?)\d{4}){2,3}(?:\1\d{1,4})?(?![\w-]|[./]\d)|(?<![\w./-])\d{4}(?:[ -]?\d){8,15}(?![\w-]|[./]\d)/g,
    accept: isCardNumber,
  },
  {
    type: 'ssn',
    rule: 'ssn',
    hint: /\d{3}/,
    pattern: /(?<![\d.-])\d{3}([-. ]?)\d{2}\1\d{4}(?![\d-]|\.\d)/g,
    accept: isSsn,
  },
  {
    type: 'ip',
    rule: 'ip:v4',
    hint: /\d\.\d/,
    pattern: /(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d]|\.\d)/g,
    accept: isPersonalIpv4,
  },
  {
    type: 'ip',
    rule: 'ip:v6',
    hint: /[0-9A-Fa-f]?:[0-9A-Fa-f]{0,4}:/,
    pattern: /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g,
    accept: isIpv6,
  },
  {
    type: 'phone',
    rule: 'phone',
    hint: /\d/,
    pattern:
      /(?<![\w+./-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?|\(0\))?\d{1,12}(?:[ ./-]\d{1,12}){0,14}(?: ?(?:x|ext\.?) ?\d{1,6})?(?![\w:]|[./-]\d)/g,
    accept: isPhoneNumber,
  },
  WORDED_NUMBER_DETECTOR,
];
