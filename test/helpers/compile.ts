// Test helper: compile a proxy from YAML text or files, as proxy-config does offline.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  createConfigSnapshot,
  defaultMeshConfig,
  parseResources,
  type MeshConfig,
  type Resource,
} from '../../src/config/index.js';
import { compileProxy, type CompileWarning, type ProxySnapshot } from '../../src/compile/index.js';
import {
  buildRegistry,
  resolveProxy,
  type LocalWorkload,
  type Registry,
} from '../../src/registry/index.js';

export function resourcesOf(...texts: string[]): Resource[] {
  const out: Resource[] = [];
  texts.forEach((t, i) => {
    const r = parseResources(t, `inline-${i}.yaml`);
    const errors = r.diagnostics.filter((d) => d.level === 'Error');
    if (errors.length > 0) throw new Error(errors.map((d) => d.message).join('; '));
    out.push(...r.resources);
  });
  return out;
}

export function filesText(...paths: string[]): string[] {
  return paths.map((p) => readFileSync(p, 'utf8'));
}

export interface Compiled {
  snapshot: ProxySnapshot;
  registry: Registry;
  warnings: CompileWarning[];
}

export function compileFrom(
  texts: string[],
  proxyName: string,
  opts: { mesh?: Partial<MeshConfig>; local?: LocalWorkload[] } = {},
): Compiled {
  const config = createConfigSnapshot(resourcesOf(...texts), {
    ...defaultMeshConfig(),
    ...(opts.mesh ?? {}),
  });
  const registry = buildRegistry(config, { localWorkloads: opts.local ?? [] });
  const proxy = resolveProxy(registry, proxyName);
  if (!proxy) throw new Error(`no proxy ${proxyName}`);
  const warnings: CompileWarning[] = [];
  // Tests write their certificate files under the OS temp dir: that is the allowed root here.
  const tlsFileRoots = { roots: [tmpdir()] };
  return {
    snapshot: compileProxy(config, registry, proxy, { warnings, tlsFileRoots }),
    registry,
    warnings,
  };
}

/** `[vhost name, route name, first cluster or action]` rows of a route table, for compact asserts. */
export function routeRows(s: ProxySnapshot, table: string): string[] {
  const t = s.routeTables.get(table);
  if (!t) throw new Error(`no route table ${table}; have ${[...s.routeTables.keys()].join(',')}`);
  const rows: string[] = [];
  for (const vh of t.virtualHosts)
    for (const r of vh.routes) {
      const a = r.action;
      const target =
        a.type === 'forward'
          ? a.clusters
              .map((c) => (a.clusters.length > 1 ? `${c.clusterName}@${c.weight}` : c.clusterName))
              .join('+')
          : a.type === 'direct'
            ? `direct ${a.status}`
            : `redirect ${a.responseCode}`;
      const p = r.match.path;
      const path = p ? `${p.kind}:${'value' in p ? p.value : ''}` : '/';
      rows.push(`${vh.name} ${path} -> ${target}`);
    }
  return rows;
}

/**
 * A snapshot with each route table's exact-domain lookup as a plain Map: an incrementally patched
 * table keeps its lookup as the previous map plus an overlay (compile/route-table.ts), which answers
 * the same but is not a Map to deepStrictEqual.
 */
export function comparable(s: ProxySnapshot): unknown {
  const tables = new Map(
    [...s.routeTables].map(([name, t]) => [name, { ...t, exactDomains: new Map(t.exactDomains) }]),
  );
  return { ...s, routeTables: tables };
}

/** Two local proxies for compile tests: a sidecar (`sleep`) and the ingress gateway. */
export const sleepAndGateway: LocalWorkload[] = [
  {
    name: 'sleep',
    namespace: 'default',
    labels: { app: 'sleep' },
    serviceAccount: 'sleep',
    address: '127.0.0.1',
    ports: {},
  },
  {
    name: 'istio-ingressgateway-0',
    namespace: 'istio-system',
    labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    serviceAccount: 'gw',
    address: '127.0.0.1',
    ports: {},
  },
];
