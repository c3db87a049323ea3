/**
 * Structure rules checked on source text (biome-formatted, so a module's top-level statements start at
 * column 0): file sizes, module-level mutable state (state belongs to objects), writes to module-level
 * containers. Used by the repository test and by packages that check themselves.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file below `dir`, sorted. */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    )
    .sort();
}

/** Top-level `let`/`var`, and mutable static class fields: state that outlives a call. */
export function mutableBindings(text: string): string[] {
  const out: string[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (/^(export\s+)?(let|var)\s/.test(line)) out.push(`${i + 1}: ${line.trim()}`);
    if (
      /^\s+(public\s+|private\s+|protected\s+)?static\s+(?!readonly\b)(?!(async\s+)?[\w$]+\s*[(<])/.test(line)
    )
      out.push(`${i + 1}: ${line.trim()}`);
  }
  return out;
}

/** Names of top-level containers (`const X = new Set(...)`, `= [...]`, `= {...}`), which could be written to. */
export function containers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m =
      /^(?:export\s+)?const\s+([\w$]+)\s*(?::[^=]+)?=\s*(?:new\s+(?:Set|Map|WeakMap|WeakSet|Array)\b|\[|\{)/.exec(
        line,
      );
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

/** Writes to a named container anywhere in a text: mutating calls, assignments to its members, delete. */
export function writesTo(name: string, text: string): string[] {
  const n = name.replace(/\$/g, '\\$');
  const patterns = [
    new RegExp(
      `(?<![\\w$.])${n}\\s*\\.\\s*(add|set|delete|clear|push|pop|shift|unshift|splice|sort|reverse|fill|copyWithin)\\s*\\(`,
    ),
    new RegExp(`(?<![\\w$.])${n}\\s*(\\[[^\\]]*\\]|\\.[\\w$]+)\\s*(=(?!=)|\\+=|-=|\\+\\+|--)`),
    new RegExp(`Object\\.(assign|defineProperty)\\(\\s*${n}\\b`),
    new RegExp(`delete\\s+${n}\\b`),
  ];
  return text.split('\n').filter((line) => patterns.some((p) => p.test(line)));
}
