// `up --kubeconfig FILE`: the mesh's Istio config comes from a Kubernetes API server instead of its own
// store. The control plane's Kubernetes source (src/xds/kube-source.ts) watches the cluster, and every
// config revision it builds is mirrored into the store (the six networking kinds, PeerAuthentications,
// the `istio` ConfigMap, Gateway credential Secrets), so the local proxies and `up --xds-port` serve
// it with the one compiler. Services, Pods and workloads stay the local mesh's own: the cluster's Pod
// IPs are not reachable from here, the local workloads are.
import type { ConfigSnapshot, ConfigStore, Resource } from '../config/index.js';
import { resourceKey, StoreError } from '../config/index.js';
import { KubeSource } from '../xds/kube-source.js';

/** Kinds that follow the cluster (everything the source reads except the local mesh's own). */
const LOCAL_KINDS = new Set(['Namespace', 'Service', 'Pod']);
const mirrored = (r: Resource): boolean => !LOCAL_KINDS.has(r.kind);
/** Kinds only the cluster defines in this mode: local objects of these kinds are removed. */
const CLUSTER_ONLY = new Set([
  'VirtualService',
  'DestinationRule',
  'Gateway',
  'ServiceEntry',
  'WorkloadEntry',
  'Sidecar',
  'PeerAuthentication',
]);

export class ClusterMirror {
  private readonly source: KubeSource;
  private readonly failed = new Map<string, string>();
  /** What the last mirror took from the cluster (Secrets and the ConfigMap are removed only if so). */
  private mine = new Set<string>();

  constructor(
    private readonly store: ConfigStore,
    kubeconfig: string,
    private readonly out: (line: string) => void,
  ) {
    this.source = new KubeSource({ kubeconfig, log: out });
  }

  get server(): string {
    return this.source.transport.server;
  }

  /** Waits for the first full list of the cluster, mirrors it, then follows every change. */
  async start(): Promise<void> {
    const first = await this.source.start();
    this.mirror(first.config);
    this.source.onUpdate((state) => this.mirror(state.config));
  }

  stop(): void {
    this.source.stop();
  }

  private mirror(config: ConfigSnapshot): void {
    const desired = config.resources.filter(mirrored);
    const keys = new Set(desired.map(resourceKey));
    // Gone from the cluster (or only local): removed, so the store holds what the cluster holds.
    const stale = this.store.list().filter((r) => {
      const key = resourceKey(r);
      return (CLUSTER_ONLY.has(r.kind) || this.mine.has(key)) && !keys.has(key);
    });
    this.mine = keys;
    if (stale.length > 0)
      this.store.deleteMany(
        stale.map((r) => ({
          kind: r.kind,
          namespace: r.metadata.namespace,
          name: r.metadata.name,
        })),
      );
    for (const r of desired) {
      const key = resourceKey(r);
      try {
        // One object at a time: a cluster object the store's validation refuses skips only itself.
        this.store.apply([r]);
        this.failed.delete(key);
      } catch (err) {
        const why = err instanceof StoreError ? err.message : (err as Error).message;
        if (this.failed.get(key) !== why)
          this.out(`kube: not applying ${key} from the cluster: ${why}`);
        this.failed.set(key, why);
      }
    }
  }
}
