import { describe, expect, it } from 'vitest';
import { passesIbanChecksum, passesLuhn } from './checksums.js';
import { detectPii } from './detect-pii.js';
import { redactPii } from './redact-pii.js';

const typesIn = (text: string) => detectPii(text).map((f) => f.type);
const redacted = (text: string) => redactPii(text).text;

describe('checksums', () => {
  it('accepts Luhn-valid card numbers and rejects a changed digit', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
  });
  it('accepts valid IBANs by mod 97, in any case, and rejects a changed digit', () => {
    expect(passesIbanChecksum('GB82WEST12345698765432')).toBe(true);
    expect(passesIbanChecksum('gb82west12345698765432')).toBe(true);
    expect(passesIbanChecksum('GB82WEST12345698765433')).toBe(false);
  });
});

describe('detectPii', () => {
  it('finds values hidden by invisible characters or other digits, with offsets into the original', () => {
    const tag = String.fromCodePoint(0xe0041);
    for (const [text, value] of [
      [`mail jo${tag}e@exam\u200bple.org now`, `jo${tag}e@exam\u200bple.org`],
      ['card ４１１１ １１１１ １１１１ １１１１ ok', '４１１１ １１１１ １１１１ １１１１'],
      ['ssn ٥٣٦-٩٠-٤٣٩٩ on file', '٥٣٦-٩٠-٤٣٩٩'],
    ] as const) {
      const [finding] = detectPii(text);
      expect(finding, text).toBeDefined();
      expect(text.slice(finding!.start, finding!.end)).toBe(value);
    }
  });

  it.each([
    ['email', 'write to jane.doe+news@mail.example.co.uk today', '[EMAIL]'],
    ['card with spaces', 'card 4111 1111 1111 1111 expires soon', '[CARD]'],
    ['card with dashes', 'card 5500-0000-0000-0004.', '[CARD]'],
    ['Amex card', 'amex 378282246310005', '[CARD]'],
    ['compact IBAN', 'pay GB82WEST12345698765432 now', '[IBAN]'],
    ['grouped IBAN', 'IBAN DE89 3704 0044 0532 0130 00 please', '[IBAN]'],
    ['SSN', 'SSN 536-90-4399 on file', '[SSN]'],
    ['SSN without dashes after the word SSN', 'my ssn is 536904399', '[SSN]'],
    ['IPv4', 'client at 81.20.30.40 is down', '[IP]'],
    [
      'loopback and private IPv4 are not personal',
      'listen on 127.0.0.1 or 192.168.1.10, bind 0.0.0.0',
      'listen on 127.0.0.1 or 192.168.1.10, bind 0.0.0.0',
    ],
    ['IPv6', 'reach 2001:db8:85a3::8a2e:370:7334 over v6', '[IP]'],
    ['US phone', 'call (415) 555-0132 tomorrow', '[PHONE]'],
    ['international phone', 'call +44 20 7946 0958 tomorrow', '[PHONE]'],
    ['phone with (0)', 'desk: +41 (0)96 471 07 95', '[PHONE]'],
    ['French phone', 'tel 03.93.92.16.85', '[PHONE]'],
    ['phone with extension', 'office 345-899-3560x4587', '[PHONE]'],
  ])('redacts a %s', (_name, text, placeholder) => {
    expect(redacted(text)).toContain(placeholder);
  });

  // Spellings that dodge a plain pattern: other separators, other digits, spelled-out symbols.
  it.each([
    ['card with dots', 'card 4111.1111.1111.1111 thanks', 'card [CARD] thanks'],
    ['card with slashes', 'card 4111/1111/1111/1111 thanks', 'card [CARD] thanks'],
    ['card with no-break spaces', 'card 4111\u00a01111\u202f1111\u00a01111 thanks', 'card [CARD] thanks'],
    ['card with zero-width spaces', 'card 4111\u200b1111\u200b1111\u200b1111 thanks', 'card [CARD] thanks'],
    ['card in full-width digits', 'card ４１１１ １１１１ １１１１ １１１１ thanks', 'card [CARD] thanks'],
    ['card in Arabic-Indic digits', 'card ٤١١١ ١١١١ ١١١١ ١١١١ thanks', 'card [CARD] thanks'],
    ['email with (at)', 'mail jane.doe(at)example.com now', 'mail [EMAIL] now'],
    ['email with [at] and [dot]', 'mail jane.doe [at] example [dot] com now', 'mail [EMAIL] now'],
    ['email with at and dot spelled out', 'mail jane.doe at example dot com now', 'mail [EMAIL] now'],
    ['email with a full-width at sign', 'mail jane.doe＠example.com now', 'mail [EMAIL] now'],
    ['email with a non-ASCII domain', 'mail jörg@bücher.de now', 'mail [EMAIL] now'],
    ['IBAN with dashes', 'iban DE89-3704-0044-0532-0130-00 now', 'iban [IBAN] now'],
    ['phone with slashes', 'call 030/1234567 now', 'call [PHONE] now'],
    ['phone with dots and no-break spaces', 'call +49\u00a030.1234.5678 now', 'call [PHONE] now'],
    ['SSN with dots', 'ssn 536.90.4399 now', 'ssn [SSN] now'],
  ])('redacts a %s', (_name, text, expected) => {
    expect(redacted(text)).toBe(expected);
  });

  // The variant spellings of the security review (issue 23, finding 7), every category: each must
  // be redacted whole, so nothing of the value reaches the model or storage.
  const CARD = 'card [CARD] thanks';
  it.each([
    // Separators: dots, slashes, no-break, narrow and zero-width spaces.
    ['card, dots', 'card 4111.1111.1111.1111 thanks', CARD],
    ['card, slashes', 'card 4111/1111/1111/1111 thanks', CARD],
    ['card, no-break spaces', 'card 4111\u00a01111\u00a01111\u00a01111 thanks', CARD],
    ['card, narrow no-break spaces', 'card 4111\u202f1111\u202f1111\u202f1111 thanks', CARD],
    ['card, zero-width spaces', 'card 4111\u200b1111\u200b1111\u200b1111 thanks', CARD],
    ['card, word joiners', 'card 4111\u20601111\u20601111\u20601111 thanks', CARD],
    ['phone, dots', 'phone 415.555.0132 thanks', 'phone [PHONE] thanks'],
    ['phone, slashes', 'phone 030/1234567 thanks', 'phone [PHONE] thanks'],
    ['phone, zero-width spaces', 'phone 415\u200b555\u200b0132 thanks', 'phone [PHONE] thanks'],
    ['phone, one digit at a time', 'phone 4 1 5 5 5 5 0 1 3 2 thanks', 'phone [PHONE] thanks'],
    ['SSN, dots', 'ssn 536.90.4399 thanks', 'ssn [SSN] thanks'],
    ['SSN, no-break spaces', 'ssn 536\u00a090\u00a04399 thanks', 'ssn [SSN] thanks'],
    // Full-width and non-Latin digits.
    ['card, full-width digits', 'card ４１１１ １１１１ １１１１ １１１１ thanks', CARD],
    ['card, Arabic-Indic digits', 'card ٤١١١ ١١١١ ١١١١ ١١١١ thanks', CARD],
    ['card, Devanagari digits', 'card ४१११ ११११ ११११ ११११ thanks', CARD],
    ['phone, full-width digits', 'phone ４１５-５５５-０１３２ thanks', 'phone [PHONE] thanks'],
    ['phone, Bengali digits', 'phone ৪১৫-৫৫৫-০১৩২ thanks', 'phone [PHONE] thanks'],
    ['SSN, full-width digits', 'ssn ５３６-９０-４３９９ thanks', 'ssn [SSN] thanks'],
    ['IBAN, full-width', 'iban ＤＥ８９３７０４００４４０５３２０１３０００ thanks', 'iban [IBAN] thanks'],
    // Words between digit groups.
    ['card, "then" between groups', 'card 4111 then 1111 then 1111 then 1111 thanks', CARD],
    ['card, "and" between groups', 'card 4111 and 1111 and 1111 and 1111 thanks', CARD],
    ['card, "dash" between groups', 'card 4111 dash 1111 dash 1111 dash 1111 thanks', CARD],
    ['phone, "dash" between groups', 'phone 415 dash 555 dash 0132 thanks', 'phone [PHONE] thanks'],
    ['phone, "and then" between groups', 'call 415 and then 555 and then 0132 thanks', 'call [PHONE] thanks'],
    ['SSN, "dash" between groups', 'ssn 536 dash 90 dash 4399 thanks', 'ssn [SSN] thanks'],
    // Spelled-out numbers.
    [
      'phone, spelled out',
      'my number: five five five one two three four thanks',
      'my number: [PHONE] thanks',
    ],
    [
      'phone, spelled out, ten digits',
      'call four one five five five five zero one three two thanks',
      'call [PHONE] thanks',
    ],
    [
      'phone, "oh" and "double"',
      'ring four one five, double five five, oh one three two thanks',
      'ring [PHONE] thanks',
    ],
    ['phone, digits and words', 'phone 415 five five five 0132 thanks', 'phone [PHONE] thanks'],
    // Emails: "(at)", the full-width at sign, non-ASCII domains.
    ['email, (at)', 'mail jane.doe(at)example.com thanks', 'mail [EMAIL] thanks'],
    ['email, (at) and (dot)', 'mail jane.doe (at) example (dot) com thanks', 'mail [EMAIL] thanks'],
    ['email, at and dot in words', 'mail jane at example dot com thanks', 'mail [EMAIL] thanks'],
    ['email, full-width at sign', 'mail jane.doe＠example.com thanks', 'mail [EMAIL] thanks'],
    ['email, full-width at sign and dot', 'mail jane.doe＠example．com thanks', 'mail [EMAIL] thanks'],
    ['email, accented domain', 'mail jörg@bücher.de thanks', 'mail [EMAIL] thanks'],
    ['email, Cyrillic domain', 'mail ivan@почта.рф thanks', 'mail [EMAIL] thanks'],
    ['email, zero-width space inside', 'mail jane.doe@exam\u200bple.com thanks', 'mail [EMAIL] thanks'],
    // IBANs with dashes, dots, no-break spaces, in lower case.
    ['IBAN, dashes', 'iban DE89-3704-0044-0532-0130-00 thanks', 'iban [IBAN] thanks'],
    ['IBAN, dots', 'iban DE89.3704.0044.0532.0130.00 thanks', 'iban [IBAN] thanks'],
    [
      'IBAN, no-break spaces',
      'iban DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000 thanks',
      'iban [IBAN] thanks',
    ],
    ['IBAN, lower case in groups', 'iban de89 3704 0044 0532 0130 00 thanks', 'iban [IBAN] thanks'],
  ])('redacts a variant spelling: %s', (_name, text, expected) => {
    expect(redacted(text)).toBe(expected);
  });

  // Ordinary text with numbers in it: technical questions, versions, dates, ports, lists, counts.
  it.each([
    'How do I expose ports 8080 and 8443 and 9090 in docker compose?',
    'Call the API on ports 8080 and 8443 and 9090, then retry.',
    'Upgrade from version 1.2.3 and then 4.5.6 to 10.0.1',
    'The meeting is at 10:30 then 11:45 then 14:00',
    'See RFC 2616 and 7230 and 7231 for HTTP semantics',
    'Step one, two, three: install, configure, run',
    'I have two cats and three dogs and one fish',
    'Between 2019 and 2020 and 2021 sales grew',
    'Use node 18 and 20 and 22; Python 3.11 and 3.12',
    'chmod 755 then 644 then 600 on the files',
    'timeout 30 then 60 then 120 seconds, retries 3 then 5',
    'one two three four five six seven eight nine ten',
    'count: one, two, three, four, five, six, seven',
    'Call me at five, or text me after nine.',
    'Set max_connections to 100 and shared_buffers to 256 and work_mem to 4',
    'We shipped 1 000 000 units in 2023 and 2 500 000 in 2024',
    'Listen on port 3000 or 8787; dates 2024-05-17 and 17.05.2024',
    'number of replicas: three, then five, then seven',
    'Errors 404 and 500 and 502 and 503 appear',
    'It took one hour and two minutes and three seconds',
  ])('finds nothing in ordinary text: %s', (text) => {
    expect(typesIn(text)).toEqual([]);
  });

  it.each([
    ['OpenAI key', `sk-proj-${'Ab3dE5gH7jK9mN1pQ3sT5vX7'}`],
    ['AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['GitHub token', `ghp_${'a1B2c3D4e5F6g7H8i9J0'.repeat(2)}`.slice(0, 40)],
    ['Slack token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
    ['Stripe key', `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`],
    ['Google API key', 'AIzaSyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1v'],
    ['JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
    ['Parley key', `parley_0123456789abcdef_${'Zx9_-Qw8'.repeat(5)}abc`],
    ['random token', 'Q2hhbmdlTWU9c2VjcmV0X3Rva2VuXzEyMzQ1Njc4OTBhYmNk'],
    ['private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7v\n-----END RSA PRIVATE KEY-----'],
  ])('redacts a %s as [SECRET]', (_name, secret) => {
    expect(redacted(`here: ${secret} done`)).toBe('here: [SECRET] done');
  });

  it.each([
    ['a card number failing Luhn', 'card 4111 1111 1111 1112'],
    ['an IBAN with a wrong check digit', 'GB82WEST12345698765433'],
    ['an SSN in area 000', 'id 000-12-3456'],
    ['an SSN in area 666', 'id 666-12-3456'],
    ['an SSN in area 900+', 'id 912-12-3456'],
    ['an SSN with group 00', 'id 123-00-4567'],
    ['an SSN with serial 0000', 'id 123-45-0000'],
    ['a voided SSN', 'id 078-05-1120'],
    ['an unseparated 9-digit number without context', 'order 536904399 shipped'],
    ['a date', 'on 2024-05-17 and 17.05.2024'],
    ['a time', 'at 12:30:45'],
    ['a year and an amount', 'in 1999 we had 1 000 000 users'],
    ['a short number', 'room 1234, page 56'],
    ['a house number before a street', 'we live at 3911 1204 Fourth Avenue'],
    ['a git commit hash', 'commit 9fceb02d0ae598e95dc970b74767f19372d61af8 fixed it'],
    ['an English path', '/docs/getting-started/installation-and-configuration-guide'],
    ['C++ scope', 'use std::vector and a::b'],
    ['a meeting place', 'meet me at the station at noon'],
    ['a date with slashes', 'due 12/05/2024 or 2024/05/12'],
    ['a version number', 'upgrade from 4.1.1 to 10.2.3'],
    ['a fraction', 'add 1/2 cup'],
  ])('leaves %s alone', (_name, text) => {
    expect(typesIn(text)).toEqual([]);
  });

  it('reports offsets and rules, never values', () => {
    const text = 'mail a@b.io';
    const [finding] = detectPii(text);
    expect(finding).toEqual({ type: 'email', rule: 'email', start: 5, end: 11 });
    expect(JSON.stringify(redactPii(text))).not.toContain('a@b.io');
  });
});

describe('redactPii policy', () => {
  const text = 'mail a@b.io, card 4111111111111111';

  it('redacts by default and counts by type', () => {
    expect(redactPii(text)).toEqual({
      text: 'mail [EMAIL], card [CARD]',
      findings: { email: 1, card: 1 },
      action: 'redact',
      rules: ['email', 'card:luhn'],
    });
  });

  it('lets allowed types through and blocks on a blocked type', () => {
    expect(redactPii(text, { email: 'allow' }).text).toBe('mail a@b.io, card [CARD]');
    expect(redactPii(text, { card: 'block' }).action).toBe('block');
    expect(redactPii('nothing here').action).toBe('allow');
  });
});
