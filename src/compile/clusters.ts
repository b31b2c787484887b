// Outbound clusters per service port and DestinationRule subset (`outbound|9080|v1|reviews...`), the
// special BlackHoleCluster / PassthroughCluster, and inbound clusters (`inbound|9080||`)
// (istio/istio pilot/pkg/networking/core/cluster.go, cluster_builder.go, convertResolution).
import { UNITS_PER_YIELD, type Steps } from '../runtime/steps.js';
import type { MeshConfig } from '../config/mesh-config.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import { labelsMatch } from '../config/names.js';
import type { Registry, Service, ServicePort, Workload } from '../registry/types.js';
import { stringMap } from '../registry/shape.js';
import { clusterConfigHash } from './config-hash.js';
import { durationMs } from '../units/index.js';
import type { DestinationRuleIndex, MergedDestinationRule } from './destination-rules.js';
import { identityOf, type RouteMemo } from './route-memo.js';
import {
  BLACKHOLE_CLUSTER,
  PASSTHROUGH_CLUSTER,
  type Cluster,
  type Endpoint,
  type MutualTlsMode,
  type ProxyKind,
  type UpstreamTls,
} from './snapshot.js';
import {
  connectionPoolOf,
  effectivePolicy,
  lbPolicyOf,
  outlierDetectionOf,
  type EffectivePolicy,
} from './traffic-policy.js';
import { namespaceMtlsMode } from './peer-authentication.js';
import { upstreamTlsOf } from './upstream-tls.js';
import { applyLocalityLb, effectiveLocalitySetting, localityWeighted } from './locality-lb.js';
import type { TlsFileRoots } from './tls-files.js';
import type { WarningList } from './warnings.js';
import { parsePort } from '../units/index.js';

/** Istio's outbound cluster name (pilot/pkg/model/service.go BuildSubsetKey). */
export function outboundClusterName(port: number, subset: string, host: string): string {
  return `outbound|${port}|${subset}|${host}`;
}

export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

function finish(c: Omit<Cluster, 'configHash'>): Cluster {
  return Object.freeze({ ...c, configHash: clusterConfigHash(c) });
}

// cluster.go convertResolution.
function clusterType(svc: Service, proxyKind: ProxyKind, lbPassthrough: boolean): Cluster['type'] {
  if (lbPassthrough) return 'ORIGINAL_DST';
  switch (svc.resolution) {
    case 'CLIENT_SIDE_LB':
    case 'STATIC':
      return 'EDS';
    case 'DNS':
    case 'DYNAMIC_DNS':
      return 'STRICT_DNS';
    case 'DNS_ROUND_ROBIN':
      return 'LOGICAL_DNS';
    case 'NONE':
      return proxyKind === 'router' ? 'EDS' : 'ORIGINAL_DST';
    default:
      return 'EDS';
  }
}

/** Reads `tls.crt`, `tls.key`, `ca.crt` (or `<name>-cacert`'s `ca.crt`) from a Secret in config. */
export function readSecret(
  config: ConfigSnapshot,
  namespace: string,
  name: string,
): { cert?: string; key?: string; ca?: string } | undefined {
  const decode = (r: { raw: Readonly<Record<string, unknown>> } | undefined, key: string) => {
    const data = r?.raw.data as Record<string, unknown> | undefined;
    const stringData = r?.raw.stringData as Record<string, unknown> | undefined;
    if (typeof stringData?.[key] === 'string') return stringData[key] as string;
    const v = data?.[key];
    return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
  };
  // istio/istio pilot/pkg/credentials/kube/secrets.go: tls.crt/tls.key, ca.crt; or cert/key/cacert.
  const s = config.get('Secret', namespace, name);
  const ca = config.get('Secret', namespace, `${name}-cacert`);
  if (!s && !ca) return undefined;
  const cert = decode(s, 'tls.crt') ?? decode(s, 'cert');
  const key = decode(s, 'tls.key') ?? decode(s, 'key');
  const caPem =
    decode(s, 'ca.crt') ?? decode(s, 'cacert') ?? decode(ca, 'ca.crt') ?? decode(ca, 'cacert');
  return {
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(caPem ? { ca: caPem } : {}),
  };
}

export interface ClusterBuildContext {
  config: ConfigSnapshot;
  registry: Registry;
  mesh: MeshConfig;
  drs: DestinationRuleIndex;
  proxyKind: ProxyKind;
  proxyNamespace: string;
  warnings: WarningList;
  /** Remembers clusters across compiles by everything they are built from. */
  memo?: RouteMemo;
  /** The proxy's `region/zone/subzone` ('' unknown) and labels with topology labels, for locality LB. */
  proxyLocality?: string;
  proxyLabels?: Readonly<Record<string, string>>;
  /** Where DestinationRule tls file paths may point. */
  tlsFiles?: TlsFileRoots;
}

/** policyCluster through the memo: the key names every input but the endpoints. */
function memoCluster(
  ctx: ClusterBuildContext,
  svc: Service,
  sp: ServicePort,
  subset: string,
  dr: MergedDestinationRule | undefined,
  policy: () => EffectivePolicy,
  endpoints: readonly Endpoint[],
): Cluster {
  // ISTIO_MUTUAL's default SANs: the SPIFFE IDs of the service's service accounts
  // (istio/istio pilot/pkg/networking/core/cluster_tls.go buildIstioMutualTLS, model.Service.ServiceAccounts).
  const accounts = serviceAccountSans(ctx, svc, sp.port);
  const passthrough =
    svc.resolution === 'NONE' ||
    (dr !== undefined && policy().loadBalancer?.simple === 'PASSTHROUGH');
  const mtls = serviceMtlsMode(ctx, svc, sp.port, passthrough);
  if (!ctx.memo)
    return policyCluster(ctx, svc, sp, subset, policy(), endpoints, dr?.ref, accounts, mtls);
  const key = [
    identityOf(svc.source),
    svc.hostname,
    sp.port,
    sp.protocol,
    subset,
    dr ? dr.sources.map(identityOf).join('+') : '-',
    dr?.ref ?? '',
    ctx.proxyKind,
    ctx.proxyNamespace,
    ctx.memo.mesh(ctx.mesh),
    ctx.memo.secrets(ctx.config),
    accounts.join(','),
    mtls ?? '-',
  ].join('|');
  return ctx.memo.cluster(key, endpoints, ctx.warnings, (warnings) =>
    policyCluster(
      { ...ctx, warnings },
      svc,
      sp,
      subset,
      policy(),
      endpoints,
      dr?.ref,
      accounts,
      mtls,
    ),
  );
}

/**
 * The destination's mTLS mode as auto mTLS infers it (istio/istio pilot/pkg/model/push_context.go
 * BestEffortInferServiceMTLSMode): none for mesh-external services; DISABLE for passthrough
 * (headless / lb PASSTHROUGH) services unless every instance has a sidecar; else the namespace- or
 * mesh-level PeerAuthentication mode, else PERMISSIVE. Workload-level policies are not consulted.
 */
function serviceMtlsMode(
  ctx: ClusterBuildContext,
  svc: Service,
  port: number,
  passthrough: boolean,
): MutualTlsMode | undefined {
  if (svc.meshExternal) return undefined;
  if (passthrough) {
    const instances = ctx.registry.instances(svc, port);
    if (instances.length === 0 || instances.some((i) => i.endpoint.tlsMode !== 'istio'))
      return 'DISABLE';
  }
  return namespaceMtlsMode(ctx.config, ctx.mesh.rootNamespace, svc.namespace) ?? 'PERMISSIVE';
}

/**
 * Auto mTLS when the DestinationRule sets no `tls` (istio/istio pilot/pkg/networking/core/cluster_tls.go
 * buildUpstreamTLSSettings + applyUpstreamTLSSettings): ISTIO_MUTUAL with the service accounts as SANs
 * and the ISTIO_MUTUAL SNI, applied per endpoint by transport_socket_matches (`tlsMode-istio`,
 * `tlsMode-disabled`), except on ORIGINAL_DST clusters where it is the cluster's one transport socket.
 */
function autoMtlsOf(
  ctx: ClusterBuildContext,
  type: Cluster['type'],
  mtls: MutualTlsMode | undefined,
  accounts: readonly string[],
): UpstreamTls | undefined {
  if (!ctx.mesh.enableAutoMtls || mtls === undefined || mtls === 'DISABLE') return undefined;
  return {
    mode: 'ISTIO_MUTUAL',
    insecureSkipVerify: false,
    ...(accounts.length > 0 ? { subjectAltNames: accounts } : {}),
    ...(type !== 'ORIGINAL_DST' ? { autoMtls: true } : {}),
  };
}

/** `spiffe://cluster.local/ns/<ns>/sa/<sa>` of every workload behind a service port, sorted. */
function serviceAccountSans(ctx: ClusterBuildContext, svc: Service, port: number): string[] {
  const out = new Set<string>();
  for (const i of ctx.registry.instances(svc, port)) {
    if (i.serviceAccount)
      out.add(`spiffe://cluster.local/ns/${svc.namespace}/sa/${i.serviceAccount}`);
  }
  return [...out].sort();
}

function policyCluster(
  ctx: ClusterBuildContext,
  svc: Service,
  sp: ServicePort,
  subset: string,
  policy: EffectivePolicy,
  endpoints: readonly Endpoint[],
  drRef: string | undefined,
  accounts: readonly string[] = [],
  mtls?: MutualTlsMode,
): Cluster {
  const lb = lbPolicyOf(policy.loadBalancer);
  const type = clusterType(svc, ctx.proxyKind, lb.policy === 'PASSTHROUGH');
  const od = outlierDetectionOf(policy.outlierDetection);
  const weighted = localityWeighted(
    effectiveLocalitySetting(ctx.mesh.localityLbSetting, policy.loadBalancer),
    od !== undefined,
  );
  const tls = policy.tls
    ? upstreamTlsOf(
        policy.tls,
        svc,
        (ns, name) => readSecret(ctx.config, ns, name),
        ctx.proxyNamespace,
        ctx.warnings,
        accounts,
        ctx.tlsFiles,
      )
    : autoMtlsOf(ctx, type, mtls, accounts);
  return finish({
    name: outboundClusterName(sp.port, subset, svc.hostname),
    type,
    direction: 'outbound',
    serviceHost: svc.hostname,
    port: sp.port,
    subset,
    protocol: sp.protocol,
    ...(drRef ? { destinationRule: drRef } : {}),
    endpoints: type === 'ORIGINAL_DST' ? [] : endpoints,
    lbPolicy: type === 'ORIGINAL_DST' ? 'PASSTHROUGH' : lb.policy,
    ...(lb.ringHash ? { ringHash: lb.ringHash } : {}),
    ...(lb.maglev ? { maglev: lb.maglev } : {}),
    connectionPool: connectionPoolOf(policy.connectionPool, ctx.mesh),
    ...(od ? { outlierDetection: od } : {}),
    ...(weighted && type !== 'ORIGINAL_DST' ? { localityWeightedLb: true } : {}),
    ...(tls ? { tls } : {}),
    // istio/istio cluster_builder.go setUpstreamProtocol: sidecars only (not gateways).
    ...(ctx.proxyKind === 'sidecar' && sp.protocol === 'unknown'
      ? { useDownstreamProtocol: true }
      : {}),
    ...(type === 'STRICT_DNS' || type === 'LOGICAL_DNS'
      ? { dnsRefresh: dnsRefreshOf(ctx.mesh) }
      : {}),
  });
}

/**
 * cluster_builder.go buildCluster for DNS clusters: dns_refresh_rate = meshConfig.dnsRefreshRate
 * (default 60s, pkg/config/mesh/mesh.go), respect_dns_ttl true, dns_jitter PILOT_DNS_JITTER_DURATION
 * (default 100ms, pilot/pkg/features/pilot.go).
 */
function dnsRefreshOf(mesh: MeshConfig): NonNullable<Cluster['dnsRefresh']> {
  const rate = durationMs(mesh.dnsRefreshRate);
  return { refreshRateMs: rate && rate > 0 ? rate : 60_000, respectDnsTtl: true, jitterMs: 100 };
}

/** The endpoints as this proxy's Envoy would get them: priorities and locality weights applied. */
function localityEndpoints(
  ctx: ClusterBuildContext,
  policy: EffectivePolicy,
  endpoints: readonly Endpoint[],
): readonly Endpoint[] {
  return applyLocalityLb(endpoints, {
    mesh: ctx.mesh.localityLbSetting,
    lb: policy.loadBalancer,
    outlierDetection: policy.outlierDetection != null,
    proxyLocality: ctx.proxyLocality ?? '',
    proxyLabels: ctx.proxyLabels ?? {},
  });
}

/** Clusters for every port of the given services, plus one per DestinationRule subset. */
export function* buildOutboundClusters(
  ctx: ClusterBuildContext,
  services: readonly Service[],
): Steps<Cluster[]> {
  const out: Cluster[] = [];
  const seen = new Set<string>();
  let units = 0;
  for (const svc of services) {
    if (++units % UNITS_PER_YIELD === 0) yield;
    const dr = ctx.drs.lookup(svc.hostname, svc.namespace);
    for (const sp of svc.ports) {
      const endpoints = ctx.registry.instances(svc, sp.port).map((i) => i.endpoint);
      const mainPolicy = effectivePolicy(dr?.trafficPolicy, undefined, sp.port);
      const main = memoCluster(
        ctx,
        svc,
        sp,
        '',
        dr,
        () => mainPolicy,
        localityEndpoints(ctx, mainPolicy, endpoints),
      );
      if (seen.has(main.name)) continue;
      seen.add(main.name);
      if (!main.tls?.unavailable) out.push(main);
      for (const subset of dr?.subsets ?? []) {
        if (typeof subset.name !== 'string' || !subset.name) continue;
        const filtered = endpoints.filter((e) =>
          labelsMatch(stringMap(subset.labels) ?? {}, e.labels),
        );
        const subsetPolicy = effectivePolicy(dr?.trafficPolicy, subset.trafficPolicy, sp.port);
        const c = memoCluster(
          ctx,
          svc,
          sp,
          subset.name,
          dr,
          () => subsetPolicy,
          localityEndpoints(ctx, subsetPolicy, filtered),
        );
        if (seen.has(c.name)) continue;
        seen.add(c.name);
        if (!c.tls?.unavailable) out.push(c);
      }
    }
  }
  return out;
}

/** BlackHoleCluster (STATIC, no endpoints) and PassthroughCluster (ORIGINAL_DST), as Istio adds them. */
export function specialClusters(mesh: MeshConfig): Cluster[] {
  const pool = connectionPoolOf(undefined, mesh);
  return [
    finish({
      name: BLACKHOLE_CLUSTER,
      type: 'STATIC',
      direction: 'none',
      serviceHost: '',
      port: 0,
      subset: '',
      protocol: 'tcp',
      endpoints: [],
      lbPolicy: 'LEAST_REQUEST',
      connectionPool: pool,
    }),
    finish({
      name: PASSTHROUGH_CLUSTER,
      type: 'ORIGINAL_DST',
      direction: 'none',
      serviceHost: '',
      port: 0,
      subset: '',
      protocol: 'tcp',
      endpoints: [],
      lbPolicy: 'PASSTHROUGH',
      connectionPool: pool,
    }),
  ];
}

export interface InboundPort {
  /** The service port and the workload port it lands on (Istio names inbound clusters by the latter). */
  servicePort: ServicePort;
  service: Service;
  targetPort: number;
  appAddress: string;
  appPort: number;
}

/** The inbound ports of a workload: every port of every service selecting it, deduplicated by target port. */
export function inboundPorts(registry: Registry, workload: Workload | undefined): InboundPort[] {
  if (!workload) return [];
  const out: InboundPort[] = [];
  const seen = new Set<number>();
  for (const svc of registry.servicesForWorkload(workload)) {
    for (const sp of svc.ports) {
      let target: number | undefined;
      if (typeof sp.targetPort === 'number') target = sp.targetPort;
      else if (typeof sp.targetPort === 'string')
        target =
          parsePort(sp.targetPort) ||
          workload.namedPorts[sp.targetPort] ||
          (workload.kind === 'Local' ? sp.port : undefined);
      else target = sp.port;
      if (target === undefined || seen.has(target)) continue;
      seen.add(target);
      const appPorts = workload.appPorts ?? {};
      out.push({
        servicePort: sp,
        service: svc,
        targetPort: target,
        appAddress: workload.appAddress ?? '127.0.0.1',
        appPort: appPorts[String(sp.port)] ?? appPorts[String(target)] ?? target,
      });
    }
  }
  return out.sort((a, b) => a.targetPort - b.targetPort);
}

/** `inbound|<port>||` with the application as its one static endpoint. */
export function buildInboundClusters(
  ports: readonly InboundPort[],
  workload: Workload | undefined,
  mesh: MeshConfig,
): Cluster[] {
  return ports.map((p) =>
    finish({
      name: inboundClusterName(p.targetPort),
      type: 'STATIC',
      direction: 'inbound',
      serviceHost: p.service.hostname,
      port: p.targetPort,
      subset: '',
      protocol: p.servicePort.protocol,
      endpoints: [
        {
          address: p.appAddress,
          port: p.appPort,
          labels: workload?.labels ?? {},
          weight: 1,
          ...(workload ? { workload: workload.name } : {}),
        },
      ],
      lbPolicy: 'LEAST_REQUEST',
      connectionPool: connectionPoolOf(undefined, mesh),
      // Inbound clusters belong to sidecars: an unnamed port speaks the downstream's protocol.
      ...(p.servicePort.protocol === 'unknown' ? { useDownstreamProtocol: true } : {}),
    }),
  );
}
