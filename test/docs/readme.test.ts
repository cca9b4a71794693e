/**
 * The user-facing documentation stays something a reader can hold and follow: the README fits
 * in 20,000 characters, every relative link lands on a file (and a `#anchor` on a heading), and
 * nothing points at material users do not have (internal notes, our tracker's numbers).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const docs = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);

/** Files whose links are checked. */
const linked = ['README.md', 'SECURITY.md', ...docs, 'devstack/README.md'];
/** Files that must not mention what users cannot follow. */
const published = ['README.md', 'SECURITY.md', ...docs, 'bench/README.md', 'devstack/README.md', 'devstack/engine/README.md'];

/** Linked pages that may not exist yet (none now); an existing one is checked like any other, anchors included. */
const COMING = new Set<string>();

const FORBIDDEN: { name: string; pattern: RegExp }[] = [
  { name: 'internal design notes', pattern: /DESIGN\.md|ROCKETCHAT\.md|APPS-ENGINE\.md|STYLE\.md|\.\.\/shared/ },
  { name: 'our tracker\'s issue numbers', pattern: /\bissue \d+\b|\(#\d+\)/i },
];

/** The text outside fenced code blocks: shell comments are not headings, code is not a link. */
function prose(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .filter((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return false;
      }
      return !inFence;
    })
    .join('\n');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = match[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]);
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

test('README.md is at most 20,000 characters', () => {
  expect(read('README.md').length).toBeLessThanOrEqual(20_000);
});

describe.each(linked)('links in %s', (file) => {
  const text = read(file);

  test('every relative link points to an existing file, and every #anchor to a heading', () => {
    const broken: string[] = [];
    for (const target of links(text)) {
      if (isExternal(target)) continue;
      const [path, anchor] = target.split('#', 2);
      const absolute = path === '' ? join(root, file) : resolve(dirname(join(root, file)), decodeURI(path));
      const name = relative(root, absolute).split('\\').join('/');
      if (!existsSync(absolute)) {
        if (!COMING.has(name)) broken.push(`${target} (no file ${name})`);
        continue;
      }
      if (anchor === undefined || !name.endsWith('.md') || statSync(absolute).isDirectory()) continue;
      if (!anchors(readFileSync(absolute, 'utf8')).has(anchor)) broken.push(`${target} (no heading #${anchor} in ${name})`);
    }
    expect(broken).toEqual([]);
  });
});

describe.each(published)('%s', (file) => {
  test.each(FORBIDDEN)('mentions no $name', ({ pattern }) => {
    const hits = read(file)
      .split('\n')
      .map((line, index) => ({ line: index + 1, text: line }))
      .filter(({ text }) => pattern.test(text));
    expect(hits).toEqual([]);
  });
});

test('the anchor rule matches GitHub on the headings these files use', () => {
  expect([...anchors('## Checking a deployment: `npm run doctor`\n### The App\'s settings\n## Known limits\n## Known limits')]).toEqual([
    'checking-a-deployment-npm-run-doctor',
    'the-apps-settings',
    'known-limits',
    'known-limits-1',
  ]);
  expect(links('see [a](docs/a.md#x) and [b](https://example.com)\n```\n[c](nowhere.md)\n```')).toEqual(['docs/a.md#x', 'https://example.com']);
});

/** Code and its comments speak to users too: no pointer to notes they do not have, nor to our tracker. */
test('no source file mentions internal notes or our tracker\'s issue numbers', () => {
  const tracked = execFileSync('git', ['ls-files', 'service', 'app', 'test', 'devstack', 'scripts', 'bench', 'deploy', 'jest.config.js', '.env.example', 'Dockerfile'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file && file !== 'test/docs/readme.test.ts' && !file.startsWith('bench/results/'));
  const hits = tracked.flatMap((file) =>
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .flatMap((text, index) => (FORBIDDEN.some(({ pattern }) => pattern.test(text)) ? [`${file}:${index + 1}: ${text.trim().slice(0, 120)}`] : [])),
  );
  expect(hits).toEqual([]);
});
