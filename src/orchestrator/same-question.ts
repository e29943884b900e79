// Whether two questions an embedding finds close may still ask opposite or different things.
// Sentence embeddings place "how do I enable X" right beside "how do I disable X", and "v4 to
// v5" beside "v3 to v4": a semantic answer cache that trusted the similarity alone would answer
// one with the other's answer. So a semantic hit also needs the two questions to agree on what
// such vectors blur: negation ("not", "can't", "without"...), words of opposite meaning
// (enable/disable, add/remove, install/uninstall...) and exact names (versions, numbers, error
// codes, dotted names, paths, camelCase APIs). Pure and cheap: no model call.
import { stem } from 'porter2';

const WORD = /[\p{L}\p{N}]+(?:[._/][\p{L}\p{N}]+)*/gu;
const NEGATION = /\b(?:not|no|never|without|cannot|nor|none|nothing|neither)\b|n['’]t\b/giu;
/** A name matched exactly: it has a digit, a dot, an underscore or a slash, or is camelCase. */
const EXACT_NAME = /[\p{N}._/]|\p{Ll}\p{Lu}/u;
/** Prefixes that turn a word into its opposite ("install" → "uninstall"). */
const NEGATING_PREFIXES = ['un', 'dis', 'de', 'in', 'non', 'im'];

/** Words of opposite meaning, as stems (porter2). */
const OPPOSITES: readonly (readonly [string, string])[] = [
  'enabl disabl',
  'add remov',
  'add delet',
  'creat delet',
  'creat remov',
  'instal uninstal',
  'start stop',
  'open close',
  'show hide',
  'allow deni',
  'allow block',
  'allow forbid',
  'accept reject',
  'includ exclud',
  'increas decreas',
  'min max',
  'minimum maximum',
  'import export',
  'upload download',
  'encrypt decrypt',
  'lock unlock',
  'login logout',
  'on off',
  'in out',
  'befor after',
  'up down',
  'more less',
  'first last',
  'get set',
  'read write',
  'push pull',
  'send receiv',
  'request repli',
  'request respons',
  'client server',
  'sync async',
  'public privat',
  'true fals',
  'success failur',
  'valid invalid',
  'serial deseri',
  'encod decod',
  'attach detach',
  'subscrib unsubscrib',
  'connect disconnect',
  'mount unmount',
  'regist unregist',
].map((pair) => pair.split(' ') as [string, string]);

function words(text: string): string[] {
  return [...text.normalize('NFKC').matchAll(WORD)].map((match) => match[0]);
}

function negations(text: string): number {
  return [...text.matchAll(NEGATION)].length;
}

function stems(text: string): Set<string> {
  return new Set(words(text.toLowerCase()).map((word) => stem(word)));
}

function exactNames(text: string): Set<string> {
  return new Set(
    words(text)
      .filter((word) => EXACT_NAME.test(word))
      .map((word) => word.toLowerCase()),
  );
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}

/** Whether `x` (a word only one question has) is the opposite of `y` (one only the other has). */
function opposite(x: string, y: string): boolean {
  return (
    OPPOSITES.some(([a, b]) => (x === a && y === b) || (x === b && y === a)) ||
    NEGATING_PREFIXES.some((prefix) => x === prefix + y || y === prefix + x)
  );
}

/**
 * Whether `a` and `b`, close by their embeddings, may be taken for the same question: they agree
 * on negation and on exact names, and neither has a word whose opposite only the other has.
 */
export function mayBeSameQuestion(a: string, b: string): boolean {
  if (negations(a) % 2 !== negations(b) % 2) return false;
  if (!sameSet(exactNames(a), exactNames(b))) return false;
  const stemsA = stems(a);
  const stemsB = stems(b);
  const onlyA = [...stemsA].filter((word) => !stemsB.has(word));
  const onlyB = [...stemsB].filter((word) => !stemsA.has(word));
  return !onlyA.some((x) => onlyB.some((y) => opposite(x, y)));
}
