// Stages import one way (docs/development.md, architecture.md rule 1): config -> analyze;
// config -> registry -> compile -> proxy; model, units and runtime below them all. This reads every
// non-test source file's imports so a cycle (registry importing compile, as it once did) cannot return.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

const ABOVE_ALL = ['config', 'analyze', 'registry', 'compile', 'proxy', 'telemetry', 'load'];
const APPS = ['mesh', 'cli', 'admin', 'workloads'];
/** Folder -> top-level src folders it must not import. Folders not listed are unconstrained. */
const FORBIDDEN: Record<string, readonly string[]> = {
  model: [...ABOVE_ALL, ...APPS, 'units', 'runtime'],
  units: [...ABOVE_ALL, ...APPS, 'model', 'runtime'],
  runtime: [...ABOVE_ALL, ...APPS, 'model', 'units'],
  config: ['analyze', 'registry', 'compile', 'proxy', 'telemetry', 'load', ...APPS],
  analyze: ['registry', 'compile', 'proxy', 'telemetry', 'load', ...APPS],
  registry: ['analyze', 'compile', 'proxy', 'telemetry', 'load', ...APPS],
  compile: ['analyze', 'proxy', 'telemetry', 'load', ...APPS],
  proxy: ['config', 'analyze', 'registry', 'telemetry', 'load', ...APPS],
  // xDS serves compiled snapshots; it never reaches into the data plane or the apps above it.
  xds: ['analyze', 'proxy', 'telemetry', 'load', ...APPS],
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
  line: string;
}

function edges(): ImportEdge[] {
  const out: ImportEdge[] = [];
  const re = /^(?:import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?'(\.[^']+)'/gm;
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(re)) {
      const target = resolve(dirname(file), m[2]!);
      const to = relative(SRC, target).split('/')[0]!;
      const from = relative(SRC, file).split('/')[0]!;
      if (from === to || to.startsWith('..')) continue;
      out.push({
        from: relative(SRC, file),
        to: relative(SRC, target),
        typeOnly: !!m[1],
        line: m[0],
      });
    }
  }
  return out;
}

test('no stage imports a stage above it (and model, units, runtime import no stage)', () => {
  const bad = edges()
    .filter((e) => FORBIDDEN[e.from.split('/')[0]!]?.includes(e.to.split('/')[0]!))
    .map((e) => `${e.from}: ${e.line}`);
  assert.deepEqual(bad, []);
});

test('the proxy takes from compile only the snapshot file (its types and constants)', () => {
  const bad = edges()
    .filter((e) => e.from.startsWith('proxy/') && e.to.startsWith('compile/'))
    .filter((e) => !e.typeOnly && e.to !== 'compile/snapshot.js')
    .map((e) => `${e.from}: ${e.line}`);
  assert.deepEqual(bad, []);
});

test('the registry no longer reaches into compile for shared types', () => {
  // Endpoint, Protocol, ProxyIdentity live in src/model, below both.
  const found = edges().filter(
    (e) => e.from.startsWith('registry/') && e.to.startsWith('compile/'),
  );
  assert.deepEqual(found, []);
  assert.ok(edges().some((e) => e.from.startsWith('registry/') && e.to.startsWith('model/')));
});
