// Builds the service registry from config plus the runner's local workloads: Kubernetes Services and
// ServiceEntries as services (istio/istio pilot/pkg/serviceregistry/kube/conversion.go ConvertService,
// serviceentry/conversion.go convertServices), their endpoints from selected Pods, WorkloadEntries,
// ServiceEntry endpoints and local workloads (serviceentry/conversion.go convertEndpoint).
import type { ConfigSnapshot } from '../config/snapshot.js';
import type {
  KubeServiceSpec,
  ServiceEntrySpec,
  WorkloadEntrySpec,
} from '../config/istio-types.js';
import { labelsMatch, serviceFqdn } from '../config/names.js';
import type { Endpoint } from '../model/index.js';
import { withTopologyLabels } from './locality.js';
import { PlaceholderAllocator } from './placeholder-address.js';
import { objects, stringMap, strings } from './shape.js';
import { kubePortProtocol, parseProtocol } from './protocol.js';
import type {
  LocalWorkload,
  Registry,
  Resolution,
  Service,
  ServiceInstance,
  ServicePort,
  Workload,
} from './types.js';
import {
  localWorkload,
  podWorkloads,
  workloadEntries,
  workloadEntryWorkload,
} from './workloads.js';
import { parsePort } from '../units/index.js';
import { podLookup, sliceInstances, type PodLookup } from './endpoint-slices.js';

export interface RegistryOptions {
  /** Workloads the local mesh runner started; they replace config Pods of the same name. */
  localWorkloads?: readonly LocalWorkload[];
  /**
   * EndpointSlices read from a Kubernetes API server (discovery.k8s.io/v1 objects): when given,
   * Kubernetes Services take their endpoints from these, not from selecting config Pods.
   */
  endpointSlices?: readonly Readonly<Record<string, unknown>>[];
}

// istio/istio pkg/config/kube/annotations: networking.istio.io/exportTo on a Service.
const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

function kubeServices(config: ConfigSnapshot): Service[] {
  const alloc = new PlaceholderAllocator('10.96');
  const out: Service[] = [];
  const pending: { r: (typeof config.resources)[number]; spec: KubeServiceSpec }[] = [];
  for (const r of config.byKind('Service')) {
    const raw = (r.spec ?? {}) as KubeServiceSpec;
    const spec: KubeServiceSpec =
      typeof raw.clusterIP === 'string' ? raw : { ...raw, clusterIP: undefined };
    if (spec.clusterIP && spec.clusterIP !== 'None') alloc.reserve(spec.clusterIP);
    pending.push({ r, spec });
  }
  for (const { r, spec } of pending) {
    const ports: ServicePort[] = objects<NonNullable<KubeServiceSpec['ports']>[number]>(spec.ports)
      .filter((p) => typeof p.port === 'number')
      .map((p) => ({
        name: typeof p.name === 'string' ? p.name : '',
        port: p.port as number,
        ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
        protocol: kubePortProtocol(
          typeof p.name === 'string' ? p.name : undefined,
          typeof p.appProtocol === 'string' ? p.appProtocol : undefined,
          typeof p.protocol === 'string' ? p.protocol : undefined,
        ),
      }));
    const headless = spec.clusterIP === 'None';
    const external = spec.type === 'ExternalName';
    const addresses =
      headless || external
        ? []
        : [spec.clusterIP || alloc.allocate(`${r.metadata.namespace}/${r.metadata.name}`)];
    const exportAnn = r.metadata.annotations[EXPORT_TO_ANNOTATION];
    let resolution: Resolution = 'CLIENT_SIDE_LB';
    if (headless) resolution = 'NONE';
    if (external) resolution = 'DNS';
    out.push({
      hostname: serviceFqdn(r.metadata.name, r.metadata.namespace),
      namespace: r.metadata.namespace,
      name: r.metadata.name,
      registry: 'Kubernetes',
      ports,
      addresses,
      resolution,
      meshExternal: external,
      ...(exportAnn ? { exportTo: exportAnn.split(',').map((s) => s.trim()) } : {}),
      ...(stringMap(spec.selector) && Object.keys(stringMap(spec.selector)!).length > 0
        ? { selector: stringMap(spec.selector)! }
        : {}),
      source: r,
    });
  }
  return out;
}

function serviceEntryServices(config: ConfigSnapshot): Service[] {
  const out: Service[] = [];
  for (const r of config.byKind('ServiceEntry')) {
    const spec = (r.spec ?? {}) as ServiceEntrySpec;
    const ports: ServicePort[] = objects<NonNullable<ServiceEntrySpec['ports']>[number]>(spec.ports)
      .filter((p) => typeof p.number === 'number')
      .map((p) => ({
        name: typeof p.name === 'string' ? p.name : '',
        port: p.number as number,
        ...(typeof p.targetPort === 'number' && p.targetPort > 0
          ? { targetPort: p.targetPort }
          : {}),
        protocol: parseProtocol(typeof p.protocol === 'string' ? p.protocol : undefined),
      }));
    for (const host of strings(spec.hosts)) {
      out.push({
        hostname: host.toLowerCase(),
        namespace: r.metadata.namespace,
        name: r.metadata.name,
        registry: 'ServiceEntry',
        ports,
        addresses: strings(spec.addresses),
        resolution: spec.resolution ?? 'NONE',
        meshExternal: (spec.location ?? 'MESH_EXTERNAL') === 'MESH_EXTERNAL',
        ...(spec.exportTo ? { exportTo: strings(spec.exportTo) } : {}),
        ...(stringMap(spec.workloadSelector?.labels)
          ? { selector: stringMap(spec.workloadSelector?.labels)! }
          : {}),
        source: r,
      });
    }
  }
  return out;
}

/** The port a workload serves a service port on, or undefined when it does not serve it. */
function endpointPort(svc: Service, sp: ServicePort, w: Workload): number | undefined {
  if (w.kind === 'Local') {
    const lp = w.localPorts ?? {};
    return (
      lp[String(sp.port)] ?? (sp.targetPort !== undefined ? lp[String(sp.targetPort)] : undefined)
    );
  }
  if (w.kind === 'WorkloadEntry') {
    // ServiceEntry/Service port name -> WorkloadEntry ports map, else targetPort, else the port.
    const byName = sp.name ? w.namedPorts[sp.name] : undefined;
    if (byName !== undefined) return byName;
    if (typeof sp.targetPort === 'number') return sp.targetPort;
    if (typeof sp.targetPort === 'string') {
      const n = parsePort(sp.targetPort);
      if (n !== undefined) return n;
    }
    return sp.port;
  }
  // Pod: numeric targetPort, named targetPort -> container port name, absent -> the service port.
  if (sp.targetPort === undefined) return sp.port;
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  const n = parsePort(sp.targetPort);
  if (n !== undefined) return n;
  void svc;
  return w.namedPorts[sp.targetPort];
}

function toEndpoint(w: Workload, port: number, labels?: Record<string, string>): Endpoint {
  return {
    address: w.address,
    port,
    // label.go AugmentLabels: endpoints carry their topology labels (failoverPriority reads them).
    labels: withTopologyLabels(labels ?? w.labels, w.locality, w.nodeName),
    weight: w.weight ?? 1,
    ...(w.locality ? { locality: w.locality } : {}),
    workload: w.name,
    ...(w.tlsMode === 'istio' ? { tlsMode: 'istio' } : {}),
  };
}

export function buildRegistry(config: ConfigSnapshot, options: RegistryOptions = {}): Registry {
  const locals = (options.localWorkloads ?? []).map(localWorkload);
  const localKeys = new Set(locals.map((l) => `${l.namespace}/${l.name}`));
  const pods = podWorkloads(config).filter(
    (p) =>
      !localKeys.has(`${p.namespace}/${p.name}`) && !localKeys.has(`${p.namespace}/${p.podName}`),
  );
  const entries = workloadEntries(config);
  const workloads: Workload[] = [...pods, ...entries, ...locals];
  const services = [...kubeServices(config), ...serviceEntryServices(config)];

  const byHost = new Map<string, Service[]>();
  for (const s of services) {
    let arr = byHost.get(s.hostname);
    if (!arr) byHost.set(s.hostname, (arr = []));
    arr.push(s);
  }

  const slices = options.endpointSlices as readonly Record<string, unknown>[] | undefined;
  let podIndex: PodLookup | undefined;
  const podsIndex = (): PodLookup => (podIndex ??= podLookup(workloads));

  const cache = new Map<Service, Map<number, ServiceInstance[]>>();
  const computeInstances = (svc: Service, port: number): ServiceInstance[] => {
    const sp = svc.ports.find((p) => p.port === port);
    if (!sp) return [];
    const out: ServiceInstance[] = [];
    const add = (w: Workload, p: number | undefined, labels?: Record<string, string>) => {
      if (p === undefined || !w.address) return;
      out.push({
        hostname: svc.hostname,
        servicePort: port,
        endpoint: toEndpoint(w, p, labels),
        serviceAccount: w.serviceAccount,
      });
    };
    if (svc.registry === 'ServiceEntry') {
      const spec = svc.source.spec as ServiceEntrySpec;
      objects<WorkloadEntrySpec>(spec.endpoints).forEach((e, i) => {
        const w = workloadEntryWorkload(e, `${svc.name}-${i}`, svc.namespace);
        add(w, endpointPort(svc, sp, w));
      });
      if (svc.selector) {
        for (const w of workloads) {
          if (w.namespace === svc.namespace && labelsMatch(svc.selector, w.labels))
            add(w, endpointPort(svc, sp, w));
        }
      }
      // istio/istio serviceentry/conversion.go: DNS resolution without endpoints resolves the host.
      if (
        out.length === 0 &&
        !spec.endpoints?.length &&
        !svc.selector &&
        (svc.resolution === 'DNS' || svc.resolution === 'DNS_ROUND_ROBIN') &&
        !svc.hostname.startsWith('*')
      ) {
        out.push({
          hostname: svc.hostname,
          servicePort: port,
          endpoint: {
            address: svc.hostname,
            port: typeof sp.targetPort === 'number' ? sp.targetPort : port,
            labels: {},
            weight: 1,
          },
        });
      }
      return out;
    }
    if (svc.resolution === 'DNS') {
      const ext = (svc.source.spec as KubeServiceSpec).externalName;
      if (ext)
        out.push({
          hostname: svc.hostname,
          servicePort: port,
          endpoint: { address: ext, port, labels: {}, weight: 1 },
        });
      return out;
    }
    if (slices) {
      const toSliceEndpoint = (w: Workload | undefined, address: string, p: number): Endpoint =>
        w
          ? { ...toEndpoint(w, p), address }
          : // endpointslice.go NewEndpointBuilder(nil): no Pod, no labels, no sidecar known.
            { address, port: p, labels: {}, weight: 1 };
      return sliceInstances(svc, sp, slices, podsIndex(), toSliceEndpoint);
    }
    if (!svc.selector) return out;
    for (const w of workloads) {
      if (w.namespace === svc.namespace && labelsMatch(svc.selector, w.labels))
        add(w, endpointPort(svc, sp, w));
    }
    return out;
  };

  return {
    services,
    workloads,
    servicesByHost: (hostname) => byHost.get(hostname.toLowerCase()) ?? [],
    instances(svc, port) {
      let m = cache.get(svc);
      if (!m) cache.set(svc, (m = new Map()));
      let list = m.get(port);
      if (!list) m.set(port, (list = computeInstances(svc, port)));
      return list;
    },
    servicesForWorkload(w) {
      return services.filter(
        (s) =>
          s.namespace === w.namespace &&
          s.selector !== undefined &&
          (s.registry === 'Kubernetes' || !s.meshExternal) &&
          labelsMatch(s.selector, w.labels),
      );
    },
  };
}
