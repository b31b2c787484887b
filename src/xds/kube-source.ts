// Config and registry from a Kubernetes API server, as istiod reads a cluster: informers on
// Namespaces, Services, EndpointSlices, Pods, the Istio networking kinds (whichever of v1, v1beta1,
// v1alpha3 the server serves), PeerAuthentications, the Secrets Gateways name by credentialName and
// the `istio` ConfigMap; their caches become the same MeshState the file source builds, so one
// compiler and one generator serve both. When the server goes away the last state keeps being served.
import { readFileSync } from 'node:fs';
import {
  createConfigSnapshot,
  KindGenerations,
  decodableResources,
  formatDiagnostic,
  meshConfigFromResources,
  parseMeshConfig,
  resourceFromObject,
  type MeshConfig,
  type Resource,
} from '../config/index.js';
import { buildRegistry, REGISTRY_KINDS } from '../registry/index.js';
import {
  Informer,
  KubeTransport,
  type InformerState,
  type KubeObject,
  type ResourceType,
} from '../kube-client/index.js';
import type { BackoffOptions } from '../kube-client/backoff.js';
import { systemClock, type Clock, type Random, type TimerHandle } from '../runtime/index.js';
import type { MeshState } from './file-source.js';

const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;

/** What is read, with the verbs RBAC must grant (docs/control-plane-kubernetes.md lists them). */
export const WATCHED: readonly ResourceType[] = [
  { group: '', versions: ['v1'], plural: 'namespaces', kind: 'Namespace' },
  { group: '', versions: ['v1'], plural: 'services', kind: 'Service' },
  { group: '', versions: ['v1'], plural: 'pods', kind: 'Pod' },
  { group: 'discovery.k8s.io', versions: ['v1'], plural: 'endpointslices', kind: 'EndpointSlice' },
  // Pod locality from its Node's topology labels (istio/istio pilot/pkg/serviceregistry/kube/
  // controller/controller.go getPodLocality); only name and labels are kept (nodeLabelsOnly).
  { group: '', versions: ['v1'], plural: 'nodes', kind: 'Node' },
  ...(
    [
      ['virtualservices', 'VirtualService'],
      ['destinationrules', 'DestinationRule'],
      ['gateways', 'Gateway'],
      ['serviceentries', 'ServiceEntry'],
      ['workloadentries', 'WorkloadEntry'],
      ['sidecars', 'Sidecar'],
    ] as const
  ).map(([plural, kind]) => ({
    group: 'networking.istio.io',
    versions: ISTIO_VERSIONS,
    plural,
    kind,
  })),
  {
    group: 'security.istio.io',
    versions: ['v1', 'v1beta1'],
    plural: 'peerauthentications',
    kind: 'PeerAuthentication',
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'secrets',
    kind: 'Secret',
    // istio/istio pilot/pkg/credentials/kube/secrets.go SecretsFieldSelector.
    fieldSelector: 'type!=helm.sh/release.v1,type!=kubernetes.io/service-account-token',
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'configmaps',
    kind: 'ConfigMap',
    namespace: 'istio-system',
    // istio/istio pkg/config/mesh/kubemesh/watcher.go: only the mesh ConfigMap, by name.
    fieldSelector: 'metadata.name=istio',
  },
];

export interface KubeSourceOptions {
  kubeconfig: string;
  /** A mesh config file that takes the place of the `istio` ConfigMap. */
  meshConfigFile?: string;
  clock?: Clock;
  random?: Random;
  backoff?: BackoffOptions;
  stallMs?: number;
  log?: (line: string) => void;
}

/** A cluster object as config: its Resource, or why it does not decode. */
interface Converted {
  resource?: Resource;
  problems?: string[];
}

const meta = (o: KubeObject): Record<string, unknown> =>
  (o.metadata as Record<string, unknown> | undefined) ?? {};

/** Gateway credentialName(s) -> the Secret keys `<ns>/<name>` and their `-cacert` companions. */
function credentialSecrets(gateways: readonly KubeObject[]): Set<string> {
  const out = new Set<string>();
  for (const gw of gateways) {
    const ns = String(meta(gw).namespace ?? '');
    const servers = (gw.spec as { servers?: unknown } | undefined)?.servers;
    for (const s of Array.isArray(servers) ? servers : []) {
      const tls = (s as { tls?: { credentialName?: unknown; credentialNames?: unknown } }).tls;
      const names = [
        tls?.credentialName,
        ...(Array.isArray(tls?.credentialNames) ? tls.credentialNames : []),
      ].filter((n): n is string => typeof n === 'string' && n !== '');
      for (const n of names) {
        out.add(`${ns}/${n}`);
        // istio/istio pilot/pkg/credentials/kube/secrets.go: the CA may sit in `<name>-cacert`.
        out.add(`${ns}/${n}-cacert`);
      }
    }
  }
  return out;
}

/**
 * Pods that are finished or have no IP yet stand for no endpoint (istio/istio pilot/pkg/
 * serviceregistry/kube/controller/pod.go shouldPodBeInEndpoints: terminal phase or no podIP), and
 * without an IP the registry would give them a placeholder.
 */
/** What the registry reads of a Node (its topology labels): status and spec left out. */
function nodeLabelsOnly(node: KubeObject): KubeObject {
  const m = meta(node);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: m.name, labels: m.labels ?? {}, creationTimestamp: m.creationTimestamp },
  } as KubeObject;
}

function podUnused(pod: KubeObject): boolean {
  const status = pod.status as { phase?: unknown; podIP?: unknown } | undefined;
  const phase = status?.phase;
  return (
    phase === 'Succeeded' ||
    phase === 'Failed' ||
    typeof status?.podIP !== 'string' ||
    status.podIP === ''
  );
}

/**
 * Istio orders configs by creation time, then name, then namespace (pilot/pkg/model/config.go
 * sortConfigByCreationTime): the first VirtualService of a host wins.
 */
function byCreation(a: Resource, b: Resource): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.metadata.name !== b.metadata.name) return a.metadata.name < b.metadata.name ? -1 : 1;
  return a.metadata.namespace < b.metadata.namespace
    ? -1
    : a.metadata.namespace > b.metadata.namespace
      ? 1
      : 0;
}

export class KubeSource {
  readonly transport: KubeTransport;
  private readonly informers: Informer[];
  private readonly log: (line: string) => void;
  private readonly clock: Clock;
  private readonly listeners = new Set<(state: MeshState) => void>();
  private pending: TimerHandle | undefined;
  private revision = 0;
  private last: MeshState | undefined;
  private readonly generations = new KindGenerations();
  /** The EndpointSlice informer's change count the last registry was built from. */
  private slicesSeen: number | undefined;
  private connected = true;
  private rejected = new Set<string>();
  private converted = new Map<KubeObject, Converted>();
  /** Converted Nodes by name and labels. */
  private nodes = new Map<string, Converted>();
  private readonly meshFile: MeshConfig | undefined;
  private firstSync: { resolve: () => void; promise: Promise<void> };

  constructor(options: KubeSourceOptions) {
    this.transport = KubeTransport.fromFile(options.kubeconfig);
    this.log = options.log ?? (() => undefined);
    this.clock = options.clock ?? systemClock;
    this.meshFile = options.meshConfigFile
      ? parseMeshConfig(readFileSync(options.meshConfigFile, 'utf8'))
      : undefined;
    let resolve = () => undefined as void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.firstSync = { resolve, promise };
    this.informers = WATCHED.map(
      (resource) =>
        new Informer({
          transport: this.transport,
          resource,
          clock: this.clock,
          ...(options.random ? { random: options.random } : {}),
          ...(options.backoff ? { backoff: options.backoff } : {}),
          ...(options.stallMs !== undefined ? { stallMs: options.stallMs } : {}),
          onChange: () => this.changed(),
          onState: (state, detail) => this.stateChanged(resource, state, detail),
          log: this.log,
        }),
    );
  }

  /** Starts every informer; resolves once each has listed once (or found its kind not served). */
  async start(): Promise<MeshState> {
    for (const i of this.informers) i.start();
    await this.firstSync.promise;
    return this.last!;
  }

  stop(): void {
    this.pending?.cancel();
    for (const i of this.informers) i.stop();
  }

  /** Called with every new state (after the first), coalesced per turn of the event loop. */
  onUpdate(fn: (state: MeshState) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  /** The last state built (the one being served). */
  current(): MeshState | undefined {
    return this.last;
  }

  /** Per informer: what it reads and its state (for logs and tests). */
  status(): { name: string; state: InformerState; version?: string; objects: number }[] {
    return this.informers.map((i) => ({
      name: i.name,
      state: i.state,
      ...(i.servedVersion ? { version: i.servedVersion } : {}),
      objects: i.items().length,
    }));
  }

  private allSynced(): boolean {
    return this.informers.every((i) => i.synced);
  }

  private stateChanged(resource: ResourceType, state: InformerState, detail: string): void {
    const name = resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
    if (state === 'not-served') {
      this.log(`kube: ${name} is not served (${detail}); checking again with back-off`);
    } else if (state === 'forbidden') {
      this.log(
        `kube: not allowed to list/watch ${name} (${detail}); see the RBAC in docs/control-plane-kubernetes.md; retrying with back-off`,
      );
    } else if (state === 'retrying' && this.connected) {
      // One line for the whole source, not one per informer: the API server went away.
      this.connected = false;
      this.log(
        this.last
          ? `kube: lost ${this.transport.server} (${detail}); serving the last known config (revision ${this.revision}), reconnecting with back-off`
          : `kube: cannot reach ${this.transport.server} (${detail}); waiting for it, retrying with back-off`,
      );
    } else if (
      state === 'synced' &&
      !this.connected &&
      this.informers.every((i) => i.state !== 'retrying' && i.state !== 'starting')
    ) {
      this.connected = true;
      // Before the first sync the "synced" line says it.
      if (this.last)
        this.log(`kube: reconnected to ${this.transport.server}; every resource relisted`);
    }
    if (this.last === undefined && this.allSynced()) this.changed();
  }

  private changed(): void {
    if (!this.allSynced()) return;
    if (this.last === undefined) {
      this.build();
      const counts = this.status()
        .map(
          (s) => `${s.name}${s.version && s.version !== 'v1' ? `@${s.version}` : ''}=${s.objects}`,
        )
        .join(' ');
      this.log(`kube: synced from ${this.transport.server}: ${counts}`);
      this.firstSync.resolve();
      return;
    }
    // A burst of events (a relist, a kubectl apply of many objects) becomes one build; the xDS
    // server then debounces pushes as istiod does (PILOT_DEBOUNCE_AFTER/MAX).
    if (this.pending) return;
    this.pending = this.clock.setTimer(0, () => {
      this.pending = undefined;
      const state = this.build();
      for (const fn of this.listeners) fn(state);
    });
  }

  private items(kind: string): KubeObject[] {
    const i = this.informers[WATCHED.findIndex((r) => r.kind === kind)];
    return i ? i.items() : [];
  }

  /** The caches as one config snapshot and registry (the file source's MeshState). */
  private build(): MeshState {
    const objects: KubeObject[] = [];
    for (const r of WATCHED) {
      if (r.kind === 'EndpointSlice' || r.kind === 'Secret') continue;
      const items = this.items(r.kind);
      objects.push(...(r.kind === 'Pod' ? items.filter((p) => !podUnused(p)) : items));
    }
    const wanted = credentialSecrets(this.items('Gateway'));
    objects.push(
      ...this.items('Secret').filter((s) =>
        wanted.has(`${String(meta(s).namespace ?? '')}/${String(meta(s).name ?? '')}`),
      ),
    );
    const resources: Resource[] = [];
    const rejected = new Set<string>();
    const converted = new Map<KubeObject, Converted>();
    const nodes = new Map<string, Converted>();
    for (const o of objects) {
      // Objects are replaced, never mutated, by the informers: an unchanged one is converted once.
      // A Node is known by its name and labels: its status heartbeats change nothing here.
      const nodeKey =
        o.kind === 'Node' ? `${String(meta(o).name)}\n${JSON.stringify(meta(o).labels ?? {})}` : '';
      let c = nodeKey ? this.nodes.get(nodeKey) : this.converted.get(o);
      if (!c) {
        const source = nodeKey ? nodeLabelsOnly(o) : o;
        const r = resourceFromObject(source as never, String(meta(o).namespace ?? ''));
        const problems = r ? decodableResources([r]).diagnostics.map(formatDiagnostic) : [];
        c = r && problems.length === 0 ? { resource: r } : { problems };
      }
      if (nodeKey) nodes.set(nodeKey, c);
      else converted.set(o, c);
      if (c.resource) resources.push(c.resource);
      for (const line of c.problems ?? []) rejected.add(line);
    }
    this.converted = converted;
    this.nodes = nodes;
    for (const line of rejected)
      if (!this.rejected.has(line))
        this.log(`kube: ignoring an object that does not decode: ${line}`);
    this.rejected = rejected;
    const sorted = resources.sort(byCreation);
    const mesh = this.meshFile ?? meshConfigFromResources(sorted);
    const config = createConfigSnapshot(sorted, mesh, ++this.revision);
    // The registry (and with it every proxy's clusters) is kept while nothing it reads changed: a
    // VirtualService edit recompiles routes only (as the file source and `up` do).
    const slices = this.informers[WATCHED.findIndex((r) => r.kind === 'EndpointSlice')]?.changes;
    const kept =
      this.last && slices === this.slicesSeen
        ? this.generations.same(this.last.config, config, REGISTRY_KINDS)
        : false;
    const registry = kept
      ? this.last!.registry
      : buildRegistry(config, { endpointSlices: this.items('EndpointSlice') });
    this.slicesSeen = slices;
    this.last = { config, registry };
    return this.last;
  }
}
