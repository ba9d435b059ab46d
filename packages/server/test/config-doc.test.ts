import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const source = readFileSync(new URL('../src/config/config.ts', import.meta.url), 'utf8');
const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

/** Every variable config.ts reads: each reader is called as `readX(env, 'NAME', …)`. */
function variablesRead(): string[] {
  return [...new Set([...source.matchAll(/read\w+\(\s*env,\s*'([A-Z0-9_]+)'/g)].map((m) => m[1]!))];
}

/** Table rows of docs/configuration.md: | `NAME` | default | meaning |. */
function variablesDocumented(): Set<string> {
  return new Set([...doc.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]!));
}

describe('docs/configuration.md', () => {
  it('documents every environment variable the server reads', () => {
    const read = variablesRead();
    expect(read.length).toBeGreaterThan(30);
    const documented = variablesDocumented();
    expect(read.filter((name) => !documented.has(name))).toEqual([]);
  });
});
