// One reconcile pass: the registry from the config and the ready pods, each proxy's snapshot compiled
// and swapped in, gateway listeners bound or closed. Run only from the ReconcileLoop (never twice at once).
import { createConfigSnapshot, type ConfigSnapshot } from '../config/index.js';
import type { LocalWorkload, Registry, RegistryCache } from '../registry/index.js';
import type { SnapshotCache, CompileWarning } from '../compile/index.js';
import { servingLoopSlicer } from '../runtime/steps.js';
import type { ProxySnapshot } from '../compile/snapshot.js';
import type { TlsFileRoots } from '../compile/tls-files.js';
import { egressGatewayPorts, withEgressGatewayService } from './egress-gateway-service.js';
import { listenerScheme } from './listener-scheme.js';
import { localGatewayPort } from './ports.js';
import type { MeshProxy } from './mesh-proxy.js';

/** A pod's sidecar and its registry entry, as the kubelet reports them. */
export interface SidecarWorkload {
  local: LocalWorkload;
  proxy: MeshProxy;
  /** Kubernetes readiness: an unready pod leaves every other proxy's endpoints. */
  ready: boolean;
}

/** A pod without a sidecar: an endpoint of its Services, no proxy to configure. */
export interface PlainWorkload {
  local: LocalWorkload;
  ready: boolean;
}

export interface ReconcileContext {
  host: string;
  proxies: () => Iterable<MeshProxy>;
  sidecars: () => readonly SidecarWorkload[];
  plain: () => readonly PlainWorkload[];
  compileCache: SnapshotCache;
  /** The registry is rebuilt only when Services, Pods or the ready workloads changed. */
  registries: RegistryCache;
  tlsFileRoots: TlsFileRoots;
  portMap: ReadonlyMap<number, number>;
  /** Compile warnings already printed: each is said once, not on every pass for every proxy. */
  warned: Set<string>;
  out: (line: string) => void;
  /** Each pass's config and registry, for consumers beside the local proxies (the xDS server). */
  onRegistry?: (config: ConfigSnapshot, registry: Registry) => void;
}

/** Kinds that only describe workloads the kubelet runs: never endpoints of their own here. */
const WORKLOAD_KINDS = new Set(['Deployment', 'Pod', 'Workload', 'Event']);

/** Compiles every proxy from config and the current pods; true when a new egress listener was bound. */
export async function reconcileProxies(
  ctx: ReconcileContext,
  config: ConfigSnapshot,
): Promise<{ egressBound: boolean }> {
  const proxies = [...ctx.proxies()];
  const gateways: LocalWorkload[] = proxies
    .filter((p) => p.kind !== 'sidecar')
    .map((p) => ({
      name: p.identity.id.split('.')[0] ?? p.identity.id,
      namespace: p.identity.namespace,
      labels: p.identity.labels,
      serviceAccount: p.identity.serviceAccount,
      address: ctx.host,
      // Gateways run no sidecar: their endpoints carry no tlsMode label (auto mTLS sends plaintext).
      sidecar: false,
      // The egress gateway is the endpoint of the istio-egressgateway Service (two-hop egress).
      ports: p.kind === 'egressgateway' ? egressGatewayPorts(p.gatewayListeners) : {},
    }));
  const sidecars = ctx.sidecars();
  const plain = ctx.plain();
  const all = [...sidecars, ...plain];
  const ready = [...all.filter((w) => w.ready).map((w) => w.local), ...gateways];
  // Locally every workload is a process the kubelet started: Deployments and Pods in the config are
  // only their description, never endpoints of their own (offline they would get placeholder IPs).
  const described = createConfigSnapshot(
    withEgressGatewayService(config.resources.filter((r) => !WORKLOAD_KINDS.has(r.kind))),
    config.meshConfig,
    config.revision,
  );
  const registry = ctx.registries.build(described, { localWorkloads: ready }, 'ready');
  ctx.onRegistry?.(config, registry);
  // An unready workload's own sidecar still needs its inbound side (it answers 503 UF, as Envoy does).
  const everyone =
    ready.length === all.length + gateways.length
      ? registry
      : ctx.registries.build(
          described,
          { localWorkloads: [...all.map((w) => w.local), ...gateways] },
          'everyone',
        );
  let egressBound = false;
  // Compiles run in slices of the event loop, so requests keep flowing while a large change builds.
  const slicer = servingLoopSlicer();
  for (const mp of proxies) {
    // Latest config wins: a proxy never goes back to an older revision.
    if (config.revision < mp.revision) continue;
    const own = sidecars.find((w) => w.proxy === mp);
    let snapshot: ProxySnapshot;
    const warnings: CompileWarning[] = [];
    try {
      // SnapshotCache: recompiles only what the change touched (per-VS routes, clusters).
      snapshot = await ctx.compileCache.compileSliced(
        config,
        own && !own.ready ? everyone : registry,
        mp.identity,
        slicer,
        { tlsFileRoots: ctx.tlsFileRoots, warnings },
      );
    } catch (err) {
      ctx.out(
        `error: compiling ${mp.identity.id}: ${(err as Error).message}; it keeps its previous config`,
      );
      continue;
    }
    for (const w of warnings) {
      const line = `${w.resource ? `${w.resource}: ` : ''}${w.message}`;
      if (ctx.warned.has(line)) continue;
      ctx.warned.add(line);
      ctx.out(`warning: ${line} (proxy ${mp.identity.id})`);
    }
    mp.proxy.update(snapshot);
    mp.revision = config.revision;
    if (mp.kind !== 'sidecar') {
      const before = mp.gatewayListeners.size;
      await bindGatewayListeners(ctx, mp, snapshot);
      if (mp.kind === 'egressgateway' && mp.gatewayListeners.size > before) egressBound = true;
    }
  }
  return { egressBound };
}

async function bindGatewayListeners(
  ctx: ReconcileContext,
  mp: MeshProxy,
  snapshot: ProxySnapshot,
): Promise<void> {
  for (const listener of snapshot.listeners) {
    if (listener.direction !== 'gateway' || mp.gatewayListeners.has(listener.name)) continue;
    // The egress gateway is reached through its Service endpoint, never from outside: any free port.
    const port = mp.kind === 'egressgateway' ? 0 : localGatewayPort(listener.port, ctx.portMap);
    try {
      const bound = await mp.proxy.listen(listener.name, { host: ctx.host, port });
      mp.gatewayListeners.set(listener.name, bound.port);
      const scheme = listenerScheme(listener);
      ctx.out(
        `${mp.identity.id}: listening on ${scheme}://${ctx.host}:${bound.port} (Gateway port ${listener.port})`,
      );
    } catch (err) {
      const hint =
        port < 1024 ? ` (ports below 1024 need root: use --port-map ${port}=${port + 8000})` : '';
      ctx.out(
        `error: ${mp.identity.id}: cannot listen on ${ctx.host}:${port}: ${(err as Error).message}${hint}`,
      );
      mp.gatewayListeners.set(listener.name, -1);
    }
  }
  // A Gateway port no longer served: its socket stops accepting (Envoy drains removed listeners).
  const live = new Set(snapshot.listeners.map((l) => l.name));
  for (const [name, port] of [...mp.gatewayListeners]) {
    if (live.has(name)) continue;
    mp.gatewayListeners.delete(name);
    if (port > 0 && (await mp.proxy.unlisten(name)))
      ctx.out(`${mp.identity.id}: closed ${ctx.host}:${port} (listener ${name} removed)`);
  }
}
