// A miniature mesh for one case file: echo backends on port 0 registered as local workloads, the
// manifest compiled (YAML -> registry -> compileProxy) for every client sidecar and the ingress
// gateway, and real proxies on port 0 that record JSON access-log lines. `apply` swaps in new YAML.
import {
  createConfigSnapshot,
  defaultMeshConfig,
  parseResources,
  type Resource,
} from '../../../src/config/index.js';
import { SnapshotCache, type CompileWarning } from '../../../src/compile/index.js';
import { createProxy, type Proxy } from '../../../src/proxy/index.js';
import { buildRegistry, resolveProxy, type LocalWorkload } from '../../../src/registry/index.js';
import { SeededRandom, SequenceRandom, type Random } from '../../../src/runtime/random.js';
import { startEcho, type EchoBackend } from '../../helpers/echo-backend.js';
import type { CaseFile, WorkloadDecl } from './case-file.js';

export const GATEWAY_ID = 'istio-ingressgateway-0.istio-system';
const GATEWAY: WorkloadDecl = {
  name: 'istio-ingressgateway-0',
  namespace: 'istio-system',
  labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  serviceAccount: 'istio-ingressgateway-service-account',
};

export interface RunningProxy {
  id: string;
  proxy: Proxy;
  /** Listener name -> local port (sidecars: `virtualOutbound`; gateways: `0.0.0.0_<port>`). */
  ports: Map<string, number>;
}

/** The random source every proxy draws from; a row may replace `current`. */
export class SwitchableRandom implements Random {
  current: Random = new SeededRandom(7);
  reset(values?: number[]): void {
    this.current = values && values.length > 0 ? new SequenceRandom(values) : new SeededRandom(7);
  }
  next(): number {
    return this.current.next();
  }
}

export interface MeshHarness {
  backends: Map<string, EchoBackend>;
  sidecars: Map<string, RunningProxy>;
  gateway: RunningProxy | undefined;
  logs: Record<string, unknown>[];
  random: SwitchableRandom;
  warnings: CompileWarning[];
  /** Replaces `{{port:NAME}}` by echo backend NAME's port. */
  expand(text: string): string;
  /** Recompiles every proxy from new manifest text and swaps the snapshots in. */
  apply(manifest: string): Promise<void>;
  close(): Promise<void>;
}

function resources(text: string, file: string): Resource[] {
  const r = parseResources(text, file);
  const errors = r.diagnostics.filter((d) => d.level === 'Error');
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join('; '));
  return r.resources;
}

function local(d: WorkloadDecl, ports: Record<string, number>): LocalWorkload {
  return {
    name: d.name,
    namespace: d.namespace ?? 'default',
    labels: d.labels ?? {},
    serviceAccount: d.serviceAccount ?? 'default',
    address: '127.0.0.1',
    ports,
  };
}

/** Every port and targetPort of the manifest's Services and ServiceEntries, for the echo port maps. */
function servicePorts(res: readonly Resource[]): string[] {
  const out = new Set<string>();
  for (const r of res) {
    const ports = (r.spec as { ports?: unknown } | undefined)?.ports;
    if (!Array.isArray(ports)) continue;
    for (const p of ports as { port?: unknown; number?: unknown; targetPort?: unknown }[]) {
      for (const v of [p.port, p.number, p.targetPort])
        if (typeof v === 'number' || typeof v === 'string') out.add(String(v));
    }
  }
  return [...out];
}

export async function startMeshHarness(cf: CaseFile): Promise<MeshHarness> {
  const backends = new Map<string, EchoBackend>();
  for (const b of cf.backends) backends.set(b.name, await startEcho(b.name));
  const expand = (text: string) =>
    text.replace(/\{\{port:([^}]+)\}\}/g, (_, n: string) => {
      const b = backends.get(n.trim());
      if (!b) throw new Error(`${cf.file}: no backend ${n}`);
      return String(b.port);
    });
  const logs: Record<string, unknown>[] = [];
  const random = new SwitchableRandom();
  const warnings: CompileWarning[] = [];
  const cache = new SnapshotCache();
  const mesh = { ...defaultMeshConfig(), ...(cf.mesh ?? {}) };
  const clients = cf.clients ?? [];

  const compileAll = (manifest: string) => {
    const res = resources(expand(manifest), cf.file);
    const ports = servicePorts(res);
    const locals: LocalWorkload[] = [
      ...cf.backends.map((b) =>
        local(b, Object.fromEntries(ports.map((p) => [p, backends.get(b.name)!.port]))),
      ),
      ...clients.map((c) => local(c, {})),
      ...(cf.gateway ? [local(GATEWAY, {})] : []),
    ];
    const config = createConfigSnapshot(res, mesh);
    const registry = buildRegistry(config, { localWorkloads: locals });
    const ids = [
      ...clients.map((c) => `${c.name}.${c.namespace ?? 'default'}`),
      ...(cf.gateway ? [GATEWAY_ID] : []),
    ];
    warnings.length = 0;
    return ids.map((id) => {
      const identity = resolveProxy(registry, id);
      if (!identity) throw new Error(`${cf.file}: no proxy ${id}`);
      return { id, snapshot: cache.compile(config, registry, identity, { warnings }) };
    });
  };

  const sidecars = new Map<string, RunningProxy>();
  let gateway: RunningProxy | undefined;
  for (const { id, snapshot } of compileAll(cf.manifest)) {
    const proxy = createProxy({
      name: id,
      random,
      accessLog: {
        encoding: 'JSON',
        sink: (line) => logs.push({ proxy: id, ...(JSON.parse(line) as Record<string, unknown>) }),
      },
    });
    proxy.update(snapshot);
    const running: RunningProxy = { id, proxy, ports: new Map() };
    if (snapshot.proxy.kind === 'router') {
      for (const l of snapshot.listeners) {
        if (l.direction !== 'gateway') continue;
        const bound = await proxy.listen(l.name, { host: '127.0.0.1', port: 0 });
        running.ports.set(l.name, bound.port);
      }
      gateway = running;
    } else {
      const bound = await proxy.listen('virtualOutbound', { host: '127.0.0.1', port: 0 });
      running.ports.set('virtualOutbound', bound.port);
      sidecars.set(id.slice(0, id.lastIndexOf('.')), running);
    }
  }

  return {
    backends,
    sidecars,
    gateway,
    logs,
    random,
    warnings,
    expand,
    apply(manifest: string) {
      for (const { id, snapshot } of compileAll(manifest)) {
        const p = id === GATEWAY_ID ? gateway : sidecars.get(id.slice(0, id.lastIndexOf('.')));
        p?.proxy.update(snapshot);
      }
      return Promise.resolve();
    },
    async close() {
      for (const p of [...sidecars.values(), ...(gateway ? [gateway] : [])])
        await p.proxy.close(100);
      for (const b of backends.values()) await b.close();
    },
  };
}
