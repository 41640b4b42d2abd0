import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The anchors GitHub gives a Markdown file's headings: the heading's text, lower-cased, without
 * punctuation (code spans and `<...>` included), spaces turned into hyphens, and `-1`, `-2`, ...
 * after repeats. Fenced code is skipped (a `# comment` in a shell block is not a heading).
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, text = ''] of withoutCode(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const slug = text
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** What is wrong with each relative link of `file` (a missing file, or a missing heading). */
export function brokenLinks(file: string, markdown = readFileSync(file, 'utf8')): string[] {
  const problems: string[] = [];
  for (const [, target = ''] of withoutCode(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: and the like
    const [path = '', anchor] = target.split('#');
    const linked = path === '' ? file : join(dirname(file), decodeURIComponent(path));
    if (!existsSync(linked)) {
      problems.push(`${target}: no file ${linked}`);
      continue;
    }
    if (anchor !== undefined && !headingAnchors(readFileSync(linked, 'utf8')).has(anchor)) {
      problems.push(`${target}: no heading with the anchor #${anchor} in ${linked}`);
    }
  }
  return problems;
}

/** The text without its fenced code blocks. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');
}
