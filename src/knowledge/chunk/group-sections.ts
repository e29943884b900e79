// Merges runs of small sections into one chunk-sized group, so a document of short sections does
// not become a pile of tiny chunks; headings below the group's path are kept in the text.

import { countTokens } from './count-tokens.js';
import type { ChunkLimits, Unit } from './types.js';

/** A section's text as measured units under its heading path. */
export interface MeasuredSection {
  headingPath: string[];
  units: Unit[];
}

/**
 * Groups consecutive sections while each step involves a section under `min` tokens, the group
 * stays within `target`, and the sections share a heading (or are all top-level). A group's path
 * is the common prefix of the sections' heading paths, else the first section's (non-empty) path.
 * A tiny lead-in (text before the first heading, or a parent's short introduction) followed by a
 * child section too big to merge with opens that section instead, under the child's path.
 */
export function groupSections(sections: readonly MeasuredSection[], limits: ChunkLimits): MeasuredSection[] {
  const groups: MeasuredSection[] = [];
  let index = 0;
  while (index < sections.length) {
    const first = sections[index]!;
    const members = [first];
    let tokens = sizeOf(first.units);
    let headingPath: string[] | undefined;
    index++;
    while (index < sections.length && tokens <= limits.target) {
      const next = sections[index]!;
      const nextTokens = sizeOf(next.units);
      if (tokens >= limits.min && nextTokens >= limits.min) break;
      const headings = (members.length === 1 ? headingCost(first) : 0) + headingCost(next);
      const total = tokens + headings + nextTokens;
      if (total <= limits.target && belongTogether([...members, next])) {
        members.push(next);
        tokens = total;
        index++;
      } else {
        if (
          tokens < limits.min &&
          members.every((member) => isPrefix(member.headingPath, next.headingPath))
        ) {
          members.push(next);
          headingPath = next.headingPath;
          index++;
        }
        break;
      }
    }
    groups.push(members.length === 1 ? first : mergeSections(members, headingPath));
  }
  return groups;
}

function mergeSections(members: readonly MeasuredSection[], leadInto?: string[]): MeasuredSection {
  const paths = headedPaths(members);
  const common = commonPrefix(paths);
  const headingPath = leadInto ?? (common.length > 0 ? common : (paths[0] ?? []));
  const units: Unit[] = [];
  let shown = headingPath;
  for (const member of members) {
    const path = member.headingPath;
    for (let depth = commonPrefix([path, shown]).length; depth < path.length; depth++) {
      const heading = `${'#'.repeat(Math.min(depth + 1, 6))} ${path[depth]}`;
      units.push({ text: heading, tokens: countTokens(heading), separator: '\n\n', code: false });
    }
    member.units.forEach((unit, position) => {
      units.push(position === 0 ? { ...unit, separator: '\n\n' } : unit);
    });
    shown = path;
  }
  return { headingPath, units };
}

/** Sections belong together if they share a heading, or are all top-level or unheaded. */
function belongTogether(members: readonly MeasuredSection[]): boolean {
  const paths = headedPaths(members);
  return commonPrefix(paths).length > 0 || paths.every((path) => path.length <= 1);
}

// Text before the first heading has no path; it can join whatever follows it.
function headedPaths(members: readonly MeasuredSection[]): string[][] {
  return members.map((member) => member.headingPath).filter((path) => path.length > 0);
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((name, depth) => path[depth] === name);
}

function commonPrefix(paths: readonly string[][]): string[] {
  const [first = [], ...rest] = paths;
  let length = first.length;
  for (const path of rest) {
    let shared = 0;
    while (shared < length && shared < path.length && path[shared] === first[shared]) shared++;
    length = shared;
  }
  return first.slice(0, length);
}

// Heading lines a merge may add to the text, estimated generously (about three characters a token)
// rather than tokenised, since most candidates are never merged.
function headingCost(section: MeasuredSection): number {
  const path = section.headingPath;
  return Math.ceil(path.join(' ').length / 3) + 3 * path.length;
}

function sizeOf(units: readonly Unit[]): number {
  return units.reduce((sum, unit, index) => sum + unit.tokens + (index > 0 ? 1 : 0), 0);
}
