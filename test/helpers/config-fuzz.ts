// Generators and the pipeline for the config fuzz (test/config-fuzz.test.ts): random and mutated Istio
// resources, and parse -> validate -> analyze -> compile every proxy -> render proxy-config.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import {
  createConfigSnapshot,
  decodableResources,
  KINDS,
  meshConfigFromResources,
  parseResources,
  validateResources,
  type Resource,
} from '../../src/config/index.js';
import { analyze, withDefaultResources } from '../../src/analyze/index.js';
import { buildRegistry, identityOf, resolveProxy } from '../../src/registry/index.js';
import { compileProxy, renderProxyConfig, type ProxyConfigKind } from '../../src/compile/index.js';
import { fixture, repoRoot, sharedFile } from './shared.js';

const NOW = new Date('2026-12-02T00:00:00Z');
const RENDERED: readonly ProxyConfigKind[] = ['routes', 'clusters', 'listeners', 'endpoints'];

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yamlFiles(path, out);
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** Our fixtures, plus Istio's conformance corpus when it is present (../shared or $SWITCHYARD_CONFORMANCE). */
function corpus(): Record<string, unknown>[][] {
  const dirs = [fixture(), join(repoRoot, 'src', 'mesh', 'demos')];
  const shared = process.env.SWITCHYARD_CONFORMANCE ?? sharedFile('conformance');
  if (shared && existsSync(shared)) dirs.push(shared);
  const files: Record<string, unknown>[][] = [];
  for (const dir of dirs) {
    for (const file of yamlFiles(dir)) {
      try {
        const docs = readFileSync(file, 'utf8')
          .split(/^---\s*$/m)
          .map((d) => parse(d) as unknown)
          .filter((d): d is Record<string, unknown> => !!d && typeof d === 'object');
        if (docs.length > 0) files.push(docs);
      } catch {
        // A fixture that is deliberately broken YAML is not a seed.
      }
    }
  }
  return files;
}

/** Every property name in the generated schemas: random specs use Istio's own field names. */
function fieldNames(): string[] {
  const dir = join(repoRoot, 'src', 'config', 'schema', 'generated');
  const names = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'properties' && x && typeof x === 'object')
          for (const n of Object.keys(x)) names.add(n);
        walk(x);
      }
    }
  };
  for (const f of readdirSync(dir))
    if (f.endsWith('.json')) walk(JSON.parse(readFileSync(join(dir, f), 'utf8')));
  return [...names].sort();
}

/** Values that have broken parsers before: odd numbers, empty and wildcard strings, bad regexes, durations. */
const oddScalar = fc.oneof(
  fc.constantFrom(
    null,
    '',
    '*',
    '*.',
    '.',
    '/',
    '~',
    'mesh',
    '-1',
    -1,
    0,
    65536,
    1e308,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '(?=x',
    '[',
    '\\',
    '-1ms',
    '1h1h',
    '0s',
    '99999999999999999999s',
    '1.5.5s',
    'ISTIO_MUTUAL',
    'SIMPLE',
    'MUTUAL',
    'PASSTHROUGH',
    'HTTP',
    'HTTPS',
    'TCP',
    'TLS',
    'GRPC',
    'HTTP2',
    'reviews',
    'reviews.default.svc.cluster.local',
    'default/*',
    './*',
    '*/*',
    '127.0.0.1',
    '::1',
    '10.0.0.0/8',
    'unix:///x',
    true,
    false,
  ),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -70000, max: 70000 }),
  fc.double(),
);

function jsonish(keys: readonly string[]) {
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...keys) },
    fc.string({ maxLength: 6 }),
  );
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      oddScalar,
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    ),
  })).value;
}

type Path = (string | number)[];

function paths(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

/** A copy of root with the value at path replaced, deleted (undefined) or a sibling key added. */
function mutateAt(root: unknown, path: Path, value: unknown, how: number): unknown {
  if (path.length === 0) return value;
  const copy: unknown = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (how === 0) delete node[last];
  else if (how === 1 && Array.isArray(node)) node.push(structuredClone(node[last as number]));
  else node[last] = value;
  return copy;
}

const MAX_PROXIES = 12;
const MAX_REPLICAS = 8;

/**
 * The resource with at most MAX_REPLICAS replicas for the registry and compile: a mutated
 * `replicas: 57303` made one case take 30 s and 400 MiB (57k endpoints rendered per proxy). Decode
 * and validation still see the value as written; every replica compiles alike, and scale is the
 * benches' business, not the fuzz's.
 */
function boundedReplicas(r: Resource): Resource {
  const spec = r.spec as { replicas?: unknown } | undefined;
  if (typeof spec?.replicas !== 'number' || spec.replicas <= MAX_REPLICAS) return r;
  return { ...r, spec: { ...spec, replicas: MAX_REPLICAS } };
}

/** The pipeline under test; throws only when a stage does. */
const FUZZ_TLS_ROOTS = { roots: [fixture()] };

export function runPipeline(text: string): void {
  const parsed = parseResources(text, 'fuzz.yaml');
  const diags = validateResources(parsed.resources);
  for (const d of [...parsed.diagnostics, ...diags]) {
    assert.ok(['Error', 'Warning', 'Info'].includes(d.level));
    assert.equal(typeof d.message, 'string');
  }
  // As istioctl and istiod read files: an object that does not decode is reported and skipped.
  const decoded = decodableResources(parsed.resources).resources.map(boundedReplicas);
  const mesh = meshConfigFromResources(decoded);
  const forAnalysis = createConfigSnapshot(withDefaultResources(decoded), mesh);
  for (const m of analyze(forAnalysis, { now: NOW })) assert.equal(typeof m.message, 'string');
  const config = createConfigSnapshot(decoded, mesh);
  const registry = buildRegistry(config);
  // A mutated `replicas` can make tens of thousands of pods: compile a bounded sample of them, since
  // every replica of a workload gets the same config and the fuzz looks for throws, not for scale.
  const proxies = registry.workloads
    .filter((w) => w.kind !== 'WorkloadEntry')
    .slice(0, MAX_PROXIES)
    .map(identityOf);
  const gateway = resolveProxy(registry, 'istio-ingressgateway.istio-system');
  if (gateway) proxies.push(gateway);
  for (const proxy of proxies) {
    // Fixture files may be named as certificates: the file checks run too (tls-files.ts).
    const snapshot = compileProxy(config, registry, proxy, { tlsFileRoots: FUZZ_TLS_ROOTS });
    for (const kind of RENDERED)
      for (const output of ['short', 'json']) renderProxyConfig(kind, snapshot, { output });
  }
}

export const seeds = corpus();
export const keys = fieldNames();
const kinds = KINDS.filter((k) => k.group === 'networking.istio.io').map((k) => k.kind);

export const mutated = fc
  .record({
    file: fc.nat({ max: seeds.length - 1 }),
    edits: fc.array(fc.record({ at: fc.nat(), how: fc.nat({ max: 4 }), value: jsonish(keys) }), {
      minLength: 1,
      maxLength: 3,
    }),
  })
  .map(({ file, edits }) => {
    let docs: unknown = seeds[file] ?? [];
    for (const e of edits) {
      const all = paths(docs);
      docs = mutateAt(docs, all[e.at % all.length]!, e.value, e.how);
    }
    return (Array.isArray(docs) ? docs : [docs]).map((d) => stringify(d)).join('---\n');
  });

export const random = fc
  .array(
    fc.record({
      kind: fc.constantFrom(...kinds, 'Service', 'Deployment', 'Pod', 'Secret', 'Workload'),
      name: fc.constantFrom('reviews', 'a', 'gw', 'default', ''),
      namespace: fc.constantFrom('default', 'istio-system', 'other', undefined),
      spec: jsonish(keys),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((objs) =>
    objs
      .map((o) =>
        stringify({
          apiVersion: ['Service', 'Pod', 'Secret'].includes(o.kind)
            ? 'v1'
            : o.kind === 'Deployment'
              ? 'apps/v1'
              : o.kind === 'Workload'
                ? 'switchyard.io/v1alpha1'
                : 'networking.istio.io/v1',
          kind: o.kind,
          metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) },
          spec: o.spec,
        }),
      )
      .join('---\n'),
  );
