/**
 * Reads V8 .cpuprofile files and prints where the time went: by package or project folder,
 * the hottest functions by self time, and the project's own functions by inclusive time.
 * Line numbers are of the code tsx ran (esbuild keeps them close to the source, not exact).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

const ROOT = `file://${join(__dirname, '..')}/`;

function place(url: string): string {
  if (!url) return '(native)';
  const local = url.startsWith(ROOT) ? url.slice(ROOT.length) : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(local);
  if (pkg) return `npm:${pkg[1]}`;
  if (local.startsWith('node:')) return 'node';
  return local.split('/').slice(0, 2).join('/');
}

function frame(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.startsWith(ROOT) ? url.slice(ROOT.length) : url.replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

function top(map: Map<string, number>, count: number, total: number): string[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, hits]) => `  ${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}

export function summarizeProfile(path: string, count = 18): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const places = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;

  // Inclusive hits per node; each project frame counted once per stack, so recursion does not double it.
  const walk = (node: ProfileNode, onStack: Set<string>): number => {
    let hits = node.hitCount ?? 0;
    const key = frame(node);
    const own = node.callFrame.url.startsWith(ROOT) && !node.callFrame.url.includes('node_modules') && !onStack.has(key);
    if (own) onStack.add(key);
    for (const child of node.children ?? []) hits += walk(byId.get(child) as ProfileNode, onStack);
    if (own) {
      onStack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + hits);
    }
    return hits;
  };

  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (node.callFrame.functionName === '(idle)') {
      idle += hits;
      continue;
    }
    total += hits;
    self.set(frame(node), (self.get(frame(node)) ?? 0) + hits);
    const where = node.callFrame.url ? place(node.callFrame.url) : node.callFrame.functionName;
    places.set(where, (places.get(where) ?? 0) + hits);
  }
  walk(profile.nodes[0], new Set());
  const busy = total / (total + idle);
  return [
    `${basename(path)}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, main thread busy ${(busy * 100).toFixed(0)}%`,
    ' by package / folder (self time, % of busy):',
    ...top(places, 12, total),
    ' hottest functions (self time):',
    ...top(self, count, total),
    ' project functions (inclusive time):',
    ...top(inclusive, count, total),
  ].join('\n');
}

export function summarizeProfiles(paths: string[]): string {
  return paths.map((path) => summarizeProfile(path)).join('\n\n');
}
