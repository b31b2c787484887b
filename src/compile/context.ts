// Everything one proxy's compile reads, resolved once: visible services by host, DestinationRules,
// the destination -> cluster resolver (istio/istio pilot/pkg/networking/core/route/route.go
// GetDestinationCluster: port from the destination, else the service's only port, else the listener's).
import type { Destination } from '../config/istio-types.js';
import type { MeshConfig } from '../config/mesh-config.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import { isVisibleTo, resolveShortName } from '../config/names.js';
import type { Registry, Service, Workload } from '../registry/types.js';
import { outboundClusterName } from './clusters.js';
import { DestinationRuleIndex } from './destination-rules.js';
import type { DestinationResolver } from './http-route.js';
import type { RouteMemo } from './route-memo.js';
import type { ProxyIdentity } from './snapshot.js';
import { effectivePolicy, hashPolicyOf } from './traffic-policy.js';
import type { WarningList } from './warnings.js';
import { NO_TLS_FILE_ROOTS, type TlsFileRoots } from './tls-files.js';

export interface ProxyContext {
  config: ConfigSnapshot;
  registry: Registry;
  proxy: ProxyIdentity;
  mesh: MeshConfig;
  warnings: WarningList;
  drs: DestinationRuleIndex;
  /** Services visible to the proxy (exportTo), one per host, proxy namespace first. */
  services: Service[];
  serviceByHost: Map<string, Service>;
  destinations: DestinationResolver;
  workload: Workload;
  /** Remembers per-VirtualService routes across compiles (SnapshotCache); absent = build all. */
  memo?: RouteMemo;
  /** Where Gateway server tls file paths may point (tls-files.ts). */
  tlsFiles: TlsFileRoots;
}

export function makeContext(
  config: ConfigSnapshot,
  registry: Registry,
  proxy: ProxyIdentity,
  warnings: WarningList,
  memo?: RouteMemo,
  tlsFiles: TlsFileRoots = NO_TLS_FILE_ROOTS,
): ProxyContext {
  const mesh = config.meshConfig;
  const buildDrs = () =>
    new DestinationRuleIndex(config, proxy.namespace, proxy.labels, mesh.rootNamespace);
  // The index reads only DestinationRules, the proxy's namespace and labels, and the root namespace.
  const drs = memo
    ? memo.drIndex(
        `${memo.generations.of(config, 'DestinationRule')}|${proxy.namespace}|${mesh.rootNamespace}|${JSON.stringify(proxy.labels)}`,
        buildDrs,
      )
    : buildDrs();
  const visibleServices = () => {
    const serviceByHost = new Map<string, Service>();
    const visible = registry.services.filter((s) =>
      isVisibleTo(s.exportTo, s.namespace, proxy.namespace),
    );
    // A host defined in several namespaces: the proxy's own namespace wins, then the first defined.
    for (const s of visible) if (s.namespace === proxy.namespace) serviceByHost.set(s.hostname, s);
    for (const s of visible) if (!serviceByHost.has(s.hostname)) serviceByHost.set(s.hostname, s);
    return { services: [...serviceByHost.values()], serviceByHost };
  };
  // Read-only from here on: proxies of one namespace share them while the registry stands.
  const { services, serviceByHost } = memo
    ? memo.visible(registry, proxy.namespace, visibleServices)
    : visibleServices();

  const portFor = (dest: Destination, svc: Service | undefined, listenerPort: number): number => {
    if (dest.port?.number) return dest.port.number;
    if (svc && svc.ports.length === 1) return svc.ports[0]!.port;
    return listenerPort;
  };
  const destinations: DestinationResolver = {
    cluster(dest, vsNamespace, listenerPort) {
      const host = resolveShortName(dest.host ?? '', vsNamespace).toLowerCase();
      const svc = serviceByHost.get(host);
      return outboundClusterName(portFor(dest, svc, listenerPort), dest.subset ?? '', host);
    },
    hashPolicy(dest, vsNamespace, listenerPort) {
      const host = resolveShortName(dest.host ?? '', vsNamespace).toLowerCase();
      const svc = serviceByHost.get(host);
      if (!svc) return undefined;
      const dr = drs.lookup(svc.hostname, svc.namespace);
      if (!dr) return undefined;
      const subset = dest.subset ? dr.subsets.find((s) => s.name === dest.subset) : undefined;
      const port = portFor(dest, svc, listenerPort);
      return hashPolicyOf(
        effectivePolicy(dr.trafficPolicy, subset?.trafficPolicy, port).loadBalancer,
      );
    },
  };

  const podName = proxy.id.includes('.') ? proxy.id.slice(0, proxy.id.lastIndexOf('.')) : proxy.id;
  const workload: Workload = registry.workloads.find(
    (w) =>
      w.kind !== 'WorkloadEntry' &&
      w.namespace === proxy.namespace &&
      (w.podName === podName || w.name === podName),
  ) ?? {
    name: podName,
    podName,
    namespace: proxy.namespace,
    labels: proxy.labels,
    serviceAccount: proxy.serviceAccount,
    tlsMode: proxy.kind === 'sidecar' ? 'istio' : 'disabled',
    address: proxy.ip,
    kind: 'Pod',
    namedPorts: {},
    containerPorts: [],
  };
  return {
    config,
    registry,
    proxy,
    mesh,
    warnings,
    drs,
    services,
    serviceByHost,
    destinations,
    workload,
    tlsFiles,
    ...(memo ? { memo } : {}),
  };
}
