// Endpoints of Kubernetes Services from EndpointSlices, as istiod's endpointslice controller reads
// them (istio/istio pilot/pkg/serviceregistry/kube/controller/endpointslice.go): slices join their
// Service by the kubernetes.io/service-name label, an endpoint's ready/serving/terminating conditions
// give its health, an endpoint whose Pod is not known yet is left out, and the slice port of the same
// name as the service port gives the endpoint port.
import type { Endpoint } from '../model/index.js';
import { objects, stringMap, strings } from './shape.js';
import type { Service, ServiceInstance, ServicePort, Workload } from './types.js';

type Obj = Record<string, unknown>;

/** k8s.io/api discovery/v1 well_known_labels.go LabelServiceName. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
// istio/istio pilot/pkg/features/experimental.go PILOT_PERSISTENT_SESSION_LABEL / _HEADER_LABEL defaults.
const PERSISTENT_SESSION_LABELS = [
  'istio.io/persistent-session',
  'istio.io/persistent-session-header',
];

/** istio/istio pilot/pkg/model HealthStatus as endpointHealthStatus assigns it. */
export type EndpointHealth = 'Healthy' | 'UnHealthy' | 'Draining' | 'Terminating';

export interface SliceConditions {
  ready?: boolean | null;
  serving?: boolean | null;
  terminating?: boolean | null;
}

/**
 * endpointslice.go endpointHealthStatus: ready (or unset) is healthy; a not-ready endpoint still
 * serving while terminating drains when the service keeps persistent sessions; one terminating is
 * terminating; anything else is unhealthy. An unset serving/terminating counts as true there.
 */
export function endpointHealth(c: SliceConditions, persistentSessions: boolean): EndpointHealth {
  if (c.ready === undefined || c.ready === null || c.ready) return 'Healthy';
  const terminating = c.terminating === undefined || c.terminating === null || c.terminating;
  const serving = c.serving === undefined || c.serving === null || c.serving;
  if (persistentSessions && serving && terminating) return 'Draining';
  if (terminating) return 'Terminating';
  return 'UnHealthy';
}

/**
 * istio/istio pilot/pkg/xds/endpoints/endpoint_builder.go filterIstioEndpoint: unhealthy endpoints are
 * not sent (without PILOT_SEND_UNHEALTHY_ENDPOINTS), terminating ones never, draining ones only to
 * persistent-session services.
 */
function sent(health: EndpointHealth, persistentSessions: boolean): boolean {
  return health === 'Healthy' || (health === 'Draining' && persistentSessions);
}

/** The Pods the registry knows, to give an endpoint its workload's labels and identity. */
export interface PodLookup {
  byName(namespace: string, name: string): Workload | undefined;
  byIp(namespace: string, ip: string): Workload | undefined;
}

export function podLookup(workloads: readonly Workload[]): PodLookup {
  const byName = new Map<string, Workload>();
  const byIp = new Map<string, Workload[]>();
  for (const w of workloads) {
    if (w.kind !== 'Pod') continue;
    byName.set(`${w.namespace}/${w.podName}`, w);
    let arr = byIp.get(w.address);
    if (!arr) byIp.set(w.address, (arr = []));
    arr.push(w);
  }
  return {
    byName: (ns, name) => byName.get(`${ns}/${name}`),
    // endpointslice.go getPod: without a Pod targetRef, a Pod of that IP in the slice's namespace.
    byIp: (ns, ip) => byIp.get(ip)?.find((w) => w.namespace === ns),
  };
}

/** The slices of one Service: same namespace, kubernetes.io/service-name = its name. */
export function slicesOf(svc: Service, slices: readonly Obj[]): Obj[] {
  return slices.filter((s) => {
    const m = (s.metadata as Obj | undefined) ?? {};
    return m.namespace === svc.namespace && stringMap(m.labels)?.[SERVICE_NAME_LABEL] === svc.name;
  });
}

/** The instances of one service port from its slices. */
export function sliceInstances(
  svc: Service,
  sp: ServicePort,
  slices: readonly Obj[],
  pods: PodLookup,
  toEndpoint: (w: Workload | undefined, address: string, port: number) => Endpoint,
): ServiceInstance[] {
  const labels = svc.source.metadata.labels;
  const persistent = PERSISTENT_SESSION_LABELS.some((l) => (labels[l] ?? '') !== '');
  const out: ServiceInstance[] = [];
  const seen = new Set<string>();
  for (const slice of slicesOf(svc, slices)) {
    // endpointslice.go: FQDN slices are not supported (istio/istio#34995).
    if (slice.addressType === 'FQDN') continue;
    const ports = objects<{ name?: unknown; port?: unknown }>(slice.ports);
    // EndpointPort names are the service port names ('' for a single unnamed port).
    const port = ports.find((p) => (typeof p.name === 'string' ? p.name : '') === sp.name);
    if (!port || typeof port.port !== 'number') continue;
    for (const e of objects<{
      addresses?: unknown;
      conditions?: SliceConditions;
      targetRef?: { kind?: unknown; name?: unknown; namespace?: unknown };
    }>(slice.endpoints)) {
      const health = endpointHealth(e.conditions ?? {}, persistent);
      if (!sent(health, persistent)) continue;
      for (const address of strings(e.addresses)) {
        const ref = e.targetRef;
        const expectPod = ref?.kind === 'Pod';
        const pod = expectPod
          ? pods.byName(
              typeof ref.namespace === 'string' ? ref.namespace : svc.namespace,
              String(ref.name ?? ''),
            )
          : pods.byIp(svc.namespace, address);
        // getPod: the slice names a Pod the informer has not delivered yet: wait for it.
        if (expectPod && !pod) continue;
        const key = `${address}:${port.port}`;
        // endpointSliceCache dedups an address that appears in two slices.
        if (seen.has(key)) continue;
        seen.add(key);
        const endpoint = toEndpoint(pod, address, port.port);
        out.push({
          hostname: svc.hostname,
          servicePort: sp.port,
          endpoint: health === 'Draining' ? { ...endpoint, health: 'DRAINING' } : endpoint,
          ...(pod ? { serviceAccount: pod.serviceAccount } : {}),
        });
      }
    }
  }
  return out;
}
