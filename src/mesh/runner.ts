// The local mesh: a config store, one in-process sidecar per workload process, the ingress and egress
// gateways, and the admin API — what `switchyard up` starts, recompiled on every config change.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { watchFiles, type FileWatch } from './file-watch.js';
import { join } from 'node:path';
import {
  ConfigStore,
  createConfigSnapshot,
  StoreError,
  formatDiagnostic,
  loadResources,
  meshConfigFrom,
  type ConfigSnapshot,
  type Resource,
} from '../config/index.js';
import {
  createToken,
  defaultTokenPath,
  startAdminServer,
  switchyardHome,
  writeTokenFile,
  type AdminServer,
  type ProxyInfo,
} from '../admin/index.js';
import { buildRegistry, type LocalWorkload, type Registry } from '../registry/index.js';
import {
  SnapshotCache,
  PROXY_CONFIG_FILTERS,
  renderProxyConfig,
  type ProxyConfigKind,
  type ProxyConfigOptions,
  type CompileWarning,
} from '../compile/index.js';
import type { ProxySnapshot } from '../compile/snapshot.js';
import type { ProxyIdentity } from '../model/index.js';
import { createProxy, type Proxy } from '../proxy/index.js';
import { createMeshCa, type WorkloadIdentity } from './mesh-ca.js';
import { planWorkloads, type WorkloadInstance } from './workload-plan.js';
import { Supervisor } from './supervisor.js';
import { RunRecord, stopLeftovers } from './run-record.js';
import { freePort, localGatewayPort } from './ports.js';
import { LogRing } from './log-ring.js';
import { SeededRandom } from '../runtime/random.js';
import { fnv1a } from '../registry/placeholder-address.js';
import { MeshTelemetry, registerTelemetryRoutes } from '../telemetry/index.js';
import { egressGatewayPorts, withEgressGatewayService } from './egress-gateway-service.js';
import { listenerScheme } from './listener-scheme.js';
import { formatHostPort } from '../units/index.js';
import { certRoots } from './cert-roots.js';
import type { TlsFileRoots } from '../compile/tls-files.js';
import { defaultKubeconfigPath, writeKubeconfig } from '../kube/kubeconfig.js';
import { derivedUid } from '../kube/object-source.js';
import { kubeTime } from '../config/store.js';

export interface MeshOptions {
  /** Config files/dirs (`up -f`), watched and re-applied on save. */
  files: readonly string[];
  recursive?: boolean;
  /** Extra resources (e.g. the Bookinfo demo) applied before the files. */
  baseResources?: readonly Resource[];
  adminPort: number;
  /** Seed for every proxy's Random (reproducible runs); default: Math.random. */
  seed?: number;
  host?: string;
  /** Gateway server port -> local port (ports below 1024 need root otherwise). */
  portMap?: ReadonlyMap<number, number>;
  /** Where per-proxy access logs go; default `<SWITCHYARD_HOME>/logs`. */
  logDir?: string;
  watchFiles?: boolean;
  /** `up --cert-root DIR`: more directories certificate/key paths in config may name. */
  certRoots?: readonly string[];
  out?: (line: string) => void;
}

type MeshProxyKind = 'sidecar' | 'ingressgateway' | 'egressgateway';

interface MeshProxy {
  identity: ProxyIdentity;
  kind: MeshProxyKind;
  workload: string;
  proxy: Proxy;
  outbound?: { host: string; port: number };
  inbound: Map<number, number>;
  /** Gateway listeners bound: listener name -> local port. */
  gatewayListeners: Map<string, number>;
  log: LogRing;
  /** Its workload certificate, rotated before expiry (istio-agent's SDS). */
  certificate: WorkloadIdentity;
}

/** Istio's default gateways, as the istio-ingressgateway / istio-egressgateway Deployments label them. */
const GATEWAYS: readonly { kind: MeshProxyKind; name: string; labels: Record<string, string> }[] = [
  {
    kind: 'ingressgateway',
    name: 'istio-ingressgateway',
    labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  },
  {
    kind: 'egressgateway',
    name: 'istio-egressgateway',
    labels: { app: 'istio-egressgateway', istio: 'egressgateway' },
  },
];

export class Mesh {
  readonly store: ConfigStore;
  /** Istio's standard metrics per proxy and the live service graph. */
  readonly telemetry = new MeshTelemetry();
  private readonly supervisor: Supervisor;
  private readonly proxies = new Map<string, MeshProxy>();
  private readonly workloads: {
    instance: WorkloadInstance;
    local: LocalWorkload;
    proxy: MeshProxy;
    /** Kubernetes readiness: a workload whose process is down leaves every other proxy's endpoints. */
    ready: boolean;
  }[] = [];
  private admin: AdminServer | undefined;
  private registry: Registry | undefined;
  private readonly compileCache = new SnapshotCache();
  private watchers: FileWatch[] = [];
  private unsubscribe: (() => void) | undefined;
  private readonly out: (line: string) => void;
  private readonly host: string;
  private readonly logDir: string;
  private stopping = false;
  private readonly tlsFileRoots: TlsFileRoots;
  /** Compile warnings already printed: each is said once, not on every recompile of every proxy. */
  private readonly warned = new Set<string>();
  /** This run's pid file: what a later `up` stops if this one dies without cleaning up. */
  private runRecord: RunRecord | undefined;
  tokenPath = '';
  /** The kubeconfig written for kubectl (context `switchyard`, the admin token as bearer token). */
  kubeconfigPath = '';
  private startedAt = 0;
  /** The mesh CA (istiod's): every proxy gets a SPIFFE workload certificate from it (mesh-ca.ts). */
  readonly ca = createMeshCa();

  constructor(private readonly options: MeshOptions) {
    this.out = options.out ?? ((l) => console.log(l));
    this.host = options.host ?? '127.0.0.1';
    this.logDir = options.logDir ?? join(switchyardHome(), 'logs');
    this.tlsFileRoots = certRoots({ files: options.files, extra: options.certRoots ?? [] });
    this.store = new ConfigStore();
    this.supervisor = new Supervisor(
      {
        onExit: (name, code, signal) => {
          if (this.stopping) return;
          this.out(`workload ${name} exited (${signal ?? code}); restarting`);
          this.setReady(name, false);
        },
        onStart: (name) => {
          const w = this.workloads.find((x) => x.instance.name === name);
          if (!w || w.ready || this.stopping) return;
          this.supervisor.waitReady(w.instance, 60_000).then(
            () => this.setReady(name, true),
            () => undefined,
          );
        },
        onOutput: (name, stream, line) => {
          if (stream === 'stderr' && /error/i.test(line)) this.out(`[${name}] ${line}`);
        },
      },
      {
        add: (pid, name) => this.runRecord?.add(pid, name),
        remove: (pid) => this.runRecord?.remove(pid),
      },
    );
  }

  /** Loads config, starts proxies, gateways, workloads and the admin API; resolves once serving. */
  async start(): Promise<void> {
    // Before binding anything: a crashed earlier run's workloads may still hold ports and CPU.
    const home = switchyardHome();
    for (const p of await stopLeftovers(home))
      this.out(`stopped ${p.name} (pid ${p.pid}), left over from an earlier switchyard up`);
    this.runRecord = new RunRecord(home);
    // State and logs are the user's alone (docs/security-model.md): 0700, tightened if they existed.
    mkdirSync(this.logDir, { recursive: true, mode: 0o700 });
    for (const dir of [home, this.logDir]) tighten(dir);
    const loaded = loadResources(this.options.files, { recursive: this.options.recursive });
    const errors = loaded.diagnostics.filter((d) => d.level === 'Error');
    if (errors.length > 0) throw new MeshConfigError(errors.map(formatDiagnostic));
    for (const d of loaded.diagnostics) this.out(formatDiagnostic(d));
    if (loaded.meshConfig) this.store.setMeshConfig(meshConfigFrom(loaded.meshConfig.value));
    try {
      this.store.apply([...(this.options.baseResources ?? []), ...loaded.resources]);
    } catch (err) {
      if (err instanceof StoreError) throw new MeshConfigError(storeErrorLines(err));
      throw err;
    }
    const config = this.store.snapshot();

    // Sidecars and their sockets first: the registry needs each workload's inbound ports.
    for (const instance of planWorkloads(config)) {
      const mp = this.newProxy(
        `${instance.name}.${instance.namespace}`,
        'sidecar',
        instance.owner,
        {
          ...instance.labels,
        },
        instance.namespace,
        instance.serviceAccount,
      );
      const outbound = await mp.proxy.listen('virtualOutbound', { host: this.host, port: 0 });
      mp.outbound = outbound;
      const ports: Record<string, number> = {};
      const appPorts: Record<string, number> = {};
      for (const containerPort of instance.containerPorts) {
        const bound = await mp.proxy.listen(
          'virtualInbound',
          { host: this.host, port: 0 },
          { destinationPort: containerPort },
        );
        mp.inbound.set(containerPort, bound.port);
        ports[String(containerPort)] = bound.port;
        appPorts[String(containerPort)] = await freePort(this.host);
      }
      const local: LocalWorkload = {
        name: instance.name,
        namespace: instance.namespace,
        labels: instance.labels,
        serviceAccount: instance.serviceAccount,
        address: this.host,
        ports,
        appAddress: this.host,
        appPorts,
        ...(instance.locality ? { locality: instance.locality } : {}),
      };
      this.workloads.push({ instance, local, proxy: mp, ready: true });
    }
    for (const gw of GATEWAYS) {
      this.newProxy(
        `${gw.name}-0.istio-system`,
        gw.kind,
        gw.name,
        gw.labels,
        'istio-system',
        `${gw.name}-service-account`,
      );
    }
    // Every proxy's first certificate, generated off the event loop in parallel (istio-agent fetches
    // it before Envoy starts); auto mTLS needs one for every sidecar-to-sidecar call.
    await Promise.all([...this.proxies.values()].map((mp) => mp.certificate.ready()));
    await this.recompile(config);

    // Workloads last, so their first calls find their sidecar serving.
    for (const w of this.workloads) {
      const appPort = Object.values(w.local.appPorts ?? {})[0] ?? (await freePort(this.host));
      const proxyUrl = `http://${w.proxy.outbound?.host}:${w.proxy.outbound?.port}`;
      this.supervisor.start(w.instance, appPort, {
        HTTP_PROXY: proxyUrl,
        http_proxy: proxyUrl,
        // https:// leaves through the same sidecar socket with CONNECT (connect-tunnel.ts).
        HTTPS_PROXY: proxyUrl,
        https_proxy: proxyUrl,
        NO_PROXY: '',
        SERVICE_VERSION: w.instance.labels.version ?? '',
      });
    }
    await Promise.all(this.workloads.map((w) => this.supervisor.waitReady(w.instance)));

    const token = createToken();
    this.tokenPath = defaultTokenPath();
    writeTokenFile(this.tokenPath, token);
    this.admin = await startAdminServer({
      store: this.store,
      token,
      host: '127.0.0.1',
      port: this.options.adminPort,
    });
    this.registerAdminRoutes(this.admin);
    this.startedAt = Date.now();
    this.admin.kube.objects.setRuntime({ pods: () => this.kubePods() });
    this.kubeconfigPath = writeKubeconfig(
      this.admin.tlsUrl,
      token,
      defaultKubeconfigPath(),
      this.admin.servingCert.cert,
    );
    this.unsubscribe = this.store.subscribe((snap) => {
      this.recompile(snap).catch((err: unknown) =>
        this.out(`error: recompiling: ${(err as Error).message}`),
      );
    });
    if (this.options.watchFiles !== false) this.watchFiles();
    this.admin.setReady(true);
  }

  private newProxy(
    id: string,
    kind: MeshProxyKind,
    workload: string,
    labels: Record<string, string>,
    namespace: string,
    serviceAccount: string,
  ): MeshProxy {
    const log = new LogRing(1000);
    const certificate = this.ca.workloadIdentity(namespace, serviceAccount);
    const proxy = createProxy({
      name: id,
      // --seed makes weighted picks, load balancing and fault draws reproducible per proxy.
      ...(this.options.seed !== undefined
        ? { random: new SeededRandom(this.options.seed ^ fnv1a(id)) }
        : {}),
      // The current certificate, rotated at half its lifetime (mesh-ca.ts WorkloadIdentity).
      identity: certificate.get,
      accessLog: {
        path: join(this.logDir, `${id}.log`),
        encoding: this.store.snapshot().meshConfig.accessLogEncoding,
        sink: (line) => log.push(line),
      },
    });
    const mp: MeshProxy = {
      identity: {
        kind: kind === 'sidecar' ? 'sidecar' : 'router',
        id,
        namespace,
        labels,
        serviceAccount,
        ip: this.host,
      },
      kind,
      workload,
      proxy,
      inbound: new Map(),
      gatewayListeners: new Map(),
      log,
      certificate,
    };
    this.proxies.set(id, mp);
    this.telemetry.attach(proxy, mp.identity, workload);
    return mp;
  }

  private setReady(name: string, ready: boolean): void {
    const w = this.workloads.find((x) => x.instance.name === name);
    if (!w || w.ready === ready) return;
    w.ready = ready;
    if (ready) this.out(`workload ${name} is ready again`);
    // Pods, Endpoints, EndpointSlices and Deployment status derive from readiness: watches see it.
    this.admin?.kube.objects.runtimeChanged();
    this.recompile(this.store.snapshot()).catch((err: unknown) =>
      this.out(`error: recompiling: ${(err as Error).message}`),
    );
  }

  /** Compiles every proxy's snapshot from one config snapshot and swaps it in; binds new gateway ports. */
  private async recompile(config: ConfigSnapshot): Promise<void> {
    const gateways: LocalWorkload[] = [...this.proxies.values()]
      .filter((p) => p.kind !== 'sidecar')
      .map((p) => ({
        name: p.identity.id.split('.')[0] ?? p.identity.id,
        namespace: p.identity.namespace,
        labels: p.identity.labels,
        serviceAccount: p.identity.serviceAccount,
        address: this.host,
        // Gateways run no sidecar: their endpoints carry no tlsMode label (auto mTLS sends plaintext).
        sidecar: false,
        // The egress gateway is the endpoint of the istio-egressgateway Service (two-hop egress).
        ports: p.kind === 'egressgateway' ? egressGatewayPorts(p.gatewayListeners) : {},
      }));
    const ready = [...this.workloads.filter((w) => w.ready).map((w) => w.local), ...gateways];
    // Locally every workload is a process the runner started: Deployments and Pods in the config are
    // only their description, never endpoints of their own (offline they would get placeholder IPs).
    const described = createConfigSnapshot(
      withEgressGatewayService(
        config.resources.filter((r) => r.kind !== 'Deployment' && r.kind !== 'Pod'),
      ),
      config.meshConfig,
      config.revision,
    );
    const registry = buildRegistry(described, { localWorkloads: ready });
    // An unready workload's own sidecar still needs its inbound side (it answers 503 UF, as Envoy does).
    const everyone =
      ready.length === this.workloads.length + gateways.length
        ? registry
        : buildRegistry(described, {
            localWorkloads: [...this.workloads.map((w) => w.local), ...gateways],
          });
    this.registry = registry;
    let egressBound = false;
    for (const mp of this.proxies.values()) {
      const own = this.workloads.find((w) => w.proxy === mp);
      let snapshot: ProxySnapshot;
      const warnings: CompileWarning[] = [];
      try {
        // SnapshotCache: recompiles only what the change touched (per-VS routes, clusters).
        snapshot = this.compileCache.compile(
          config,
          own && !own.ready ? everyone : registry,
          mp.identity,
          { tlsFileRoots: this.tlsFileRoots, warnings },
        );
      } catch (err) {
        this.out(
          `error: compiling ${mp.identity.id}: ${(err as Error).message}; it keeps its previous config`,
        );
        continue;
      }
      for (const w of warnings) {
        const line = `${w.resource ? `${w.resource}: ` : ''}${w.message}`;
        if (this.warned.has(line)) continue;
        this.warned.add(line);
        this.out(`warning: ${line} (proxy ${mp.identity.id})`);
      }
      mp.proxy.update(snapshot);
      if (mp.kind !== 'sidecar') {
        const before = mp.gatewayListeners.size;
        await this.bindGatewayListeners(mp, snapshot);
        if (mp.kind === 'egressgateway' && mp.gatewayListeners.size > before) egressBound = true;
      }
    }
    // A newly bound egress gateway listener is a new endpoint of istio-egressgateway: compile again
    // so sidecars see it (the second pass binds nothing new).
    if (egressBound) await this.recompile(config);
  }

  private async bindGatewayListeners(mp: MeshProxy, snapshot: ProxySnapshot): Promise<void> {
    for (const listener of snapshot.listeners) {
      if (listener.direction !== 'gateway' || mp.gatewayListeners.has(listener.name)) continue;
      // The egress gateway is reached through its Service endpoint, never from outside: any free port.
      const port =
        mp.kind === 'egressgateway'
          ? 0
          : localGatewayPort(listener.port, this.options.portMap ?? new Map());
      try {
        const bound = await mp.proxy.listen(listener.name, { host: this.host, port });
        mp.gatewayListeners.set(listener.name, bound.port);
        const scheme = listenerScheme(listener);
        this.out(
          `${mp.identity.id}: listening on ${scheme}://${this.host}:${bound.port} (Gateway port ${listener.port})`,
        );
      } catch (err) {
        const hint =
          port < 1024 ? ` (ports below 1024 need root: use --port-map ${port}=${port + 8000})` : '';
        this.out(
          `error: ${mp.identity.id}: cannot listen on ${this.host}:${port}: ${(err as Error).message}${hint}`,
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
        this.out(`${mp.identity.id}: closed ${this.host}:${port} (listener ${name} removed)`);
    }
  }

  /** What `get proxies` and `load --from` read. */
  proxyInfos(): ProxyInfo[] {
    return [...this.proxies.values()].map((mp) => ({
      name: mp.identity.id,
      kind: mp.kind,
      workload: mp.workload,
      namespace: mp.identity.namespace,
      listeners: [
        ...(mp.outbound ? [`outbound ${formatHostPort(mp.outbound.host, mp.outbound.port)}`] : []),
        ...[...mp.inbound].map(
          ([port, local]) => `inbound ${port} -> ${formatHostPort(this.host, local)}`,
        ),
        ...[...mp.gatewayListeners]
          .filter(([, p]) => p > 0)
          .map(([name, p]) => `${name} ${formatHostPort(this.host, p)}`),
      ],
      ...(mp.outbound ? { outbound: formatHostPort(mp.outbound.host, mp.outbound.port) } : {}),
      ready: this.workloads.find((w) => w.proxy === mp)?.ready ?? true,
      pid: this.workloads.find((w) => w.proxy === mp)
        ? this.supervisor.pid(mp.identity.id.split('.')[0] ?? '', mp.identity.namespace)
        : process.pid,
    }));
  }

  private findProxy(name: string | null): MeshProxy | undefined {
    if (!name) return undefined;
    const exact = this.proxies.get(name);
    if (exact) return exact;
    return [...this.proxies.values()].find(
      (p) => p.identity.id.startsWith(name) || p.workload === name,
    );
  }

  private registerAdminRoutes(admin: AdminServer): void {
    admin.setProxyProvider(() => this.proxyInfos());
    registerTelemetryRoutes(admin, this.telemetry, (name) => this.findProxy(name)?.identity.id);
    const withProxy =
      (
        fn: (mp: MeshProxy, url: URL) => { type: string; body: string },
      ): Parameters<AdminServer['route']>[2] =>
      (_req, res, url) => {
        const mp = this.findProxy(url.searchParams.get('proxy'));
        if (!mp) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end(`no proxy "${url.searchParams.get('proxy') ?? ''}"; see GET /proxies\n`);
          return;
        }
        const { type, body } = fn(mp, url);
        res.writeHead(200, { 'content-type': type });
        res.end(body);
      };
    admin.route(
      'GET',
      '/config_dump',
      withProxy((mp) => ({
        type: 'application/json',
        body: JSON.stringify(snapshotJson(mp.proxy.snapshot()), null, 2),
      })),
    );
    admin.route(
      'GET',
      '/stats',
      withProxy((mp) => ({
        type: 'text/plain',
        body:
          [...mp.proxy.stats()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n') + '\n',
      })),
    );
    admin.route(
      'GET',
      '/logs',
      withProxy((mp, url) => ({
        type: 'text/plain',
        body: mp.log.tail(Number(url.searchParams.get('tail') ?? 100)).join(''),
      })),
    );
    admin.route('GET', '/proxy-config', (_req, res, url) => {
      const kind = url.pathname.split('/')[2] as ProxyConfigKind;
      const mp = this.findProxy(url.searchParams.get('proxy'));
      const snapshot = mp?.proxy.snapshot();
      if (!['routes', 'clusters', 'listeners', 'endpoints'].includes(kind) || !snapshot) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end(
          mp
            ? `unknown proxy-config type "${kind}"\n`
            : `proxy "${url.searchParams.get('proxy') ?? ''}" not found; running proxies: ${[...this.proxies.keys()].join(', ')}\n`,
        );
        return;
      }
      const options: ProxyConfigOptions = { output: url.searchParams.get('output') ?? 'short' };
      for (const f of PROXY_CONFIG_FILTERS) {
        const v = url.searchParams.get(f);
        if (v) options[f] = v;
      }
      // Live endpoint health (outlier ejections) from the running proxy, as istioctl reads Envoy's /clusters.
      if (kind === 'endpoints' && mp)
        options.outlier = new Map(
          mp.proxy
            .endpoints()
            .map((e) => [`${e.cluster}|${formatHostPort(e.address, e.port)}`, e.outlierCheck]),
        );
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(renderProxyConfig(kind, snapshot, options));
    });
    admin.route('GET', '/pods', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: this.runtimeObjects() }));
    });
  }

  /** The running workload replicas as the Kubernetes API lists them (one Pod per process). */
  private kubePods(): Record<string, unknown>[] {
    const created = kubeTime(this.startedAt);
    return this.workloads.map((w) => {
      const name = w.instance.name;
      const ns = w.instance.namespace;
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: ns,
          uid: derivedUid(`Pod/${ns}/${name}`),
          resourceVersion: '1',
          creationTimestamp: created,
          labels: { ...w.instance.labels },
        },
        spec: {
          serviceAccountName: w.instance.serviceAccount,
          nodeName: 'switchyard',
          containers: [
            {
              name: w.instance.owner,
              ports: w.instance.containerPorts.map((p) => ({ containerPort: p, protocol: 'TCP' })),
            },
          ],
        },
        status: {
          phase: w.ready ? 'Running' : 'Pending',
          podIP: this.host,
          hostIP: this.host,
          startTime: created,
          conditions: [
            { type: 'Ready', status: w.ready ? 'True' : 'False', lastTransitionTime: created },
          ],
          containerStatuses: [
            { name: w.instance.owner, ready: w.ready, restartCount: 0, started: w.ready },
          ],
        },
      };
    });
  }

  /** The running workloads as Kubernetes would show them (Pods), for `analyze --server`. */
  runtimeObjects(): Record<string, unknown>[] {
    const pods = [...this.proxies.values()].map((mp) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: mp.identity.id.split('.')[0],
        namespace: mp.identity.namespace,
        labels: mp.identity.labels,
      },
      spec: {
        serviceAccountName: mp.identity.serviceAccount,
        containers: [
          { name: mp.workload, ports: [...mp.inbound.keys()].map((p) => ({ containerPort: p })) },
        ],
      },
    }));
    // The gateway Services as Istio's gateway chart defines them (80->8080, 443->8443).
    const services = GATEWAYS.map((gw) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: gw.name, namespace: 'istio-system', labels: gw.labels },
      spec: {
        selector: { istio: gw.labels.istio },
        ports: [
          { name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP' },
          { name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        ],
      },
    }));
    return [...pods, ...services];
  }

  private watchFiles(): void {
    const reapply = () => {
      const loaded = loadResources(this.options.files, { recursive: this.options.recursive });
      const errors = loaded.diagnostics.filter((d) => d.level === 'Error');
      if (errors.length > 0) {
        this.out(`refused the change; the mesh keeps serving the previous config:`);
        for (const d of errors) this.out(`  ${formatDiagnostic(d)}`);
        return;
      }
      try {
        const outcome = this.store.apply(loaded.resources);
        for (const r of outcome.results)
          if (r.action !== 'unchanged') this.out(`${r.typeName}/${r.ref.name} ${r.action}`);
      } catch (err) {
        this.out(`refused the change; the mesh keeps serving the previous config:`);
        for (const l of err instanceof StoreError ? storeErrorLines(err) : [(err as Error).message])
          this.out(`  ${l}`);
      }
    };
    this.watchers.push(
      watchFiles(this.options.files, reapply, 200, { recursive: this.options.recursive }),
    );
  }

  /** Ctrl-C: stop accepting, drain in-flight requests, stop every child. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.admin?.setReady(false);
    for (const w of this.watchers) w.close();
    this.unsubscribe?.();
    // Edge first: gateways stop accepting and wait for their requests in flight, which still need
    // every sidecar and workload behind them; only then do the sidecars and workloads go.
    const all = [...this.proxies.values()];
    await Promise.all(
      all.filter((mp) => mp.kind !== 'sidecar').map((mp) => mp.proxy.close(10_000)),
    );
    await Promise.all(all.filter((mp) => mp.kind === 'sidecar').map((mp) => mp.proxy.close(5000)));
    await this.supervisor.stopAll();
    this.runRecord?.close();
    for (const mp of all) mp.certificate.close();
    await this.admin?.close();
  }

  /** Where things listen, for the startup banner. */
  summary(): string[] {
    const lines: string[] = [];
    for (const mp of this.proxies.values()) {
      if (mp.kind === 'sidecar') continue;
      for (const [name, port] of mp.gatewayListeners)
        if (port > 0)
          lines.push(`${mp.kind.padEnd(15)} ${name.padEnd(14)} http://${this.host}:${port}`);
    }
    for (const w of this.workloads) {
      const appPort = Object.values(w.local.appPorts ?? {})[0];
      lines.push(
        `${'workload'.padEnd(15)} ${w.instance.name.padEnd(22)} app ${this.host}:${appPort}  sidecar outbound ${w.proxy.outbound?.host}:${w.proxy.outbound?.port}`,
      );
    }
    lines.push(`${'admin'.padEnd(15)} ${this.admin?.url ?? ''}   token ${this.tokenPath}`);
    lines.push(`${'access logs'.padEnd(15)} ${this.logDir}`);
    lines.push(
      `${'service graph'.padEnd(15)} ${this.admin?.url ?? ''}/graph   metrics ${this.admin?.url ?? ''}/metrics`,
    );
    return lines;
  }

  /** The admin API's URL once serving (the real port when --admin-port 0). */
  adminUrl(): string | undefined {
    return this.admin?.url;
  }

  gatewayUrl(kind: MeshProxyKind = 'ingressgateway'): string | undefined {
    const mp = [...this.proxies.values()].find((p) => p.kind === kind);
    const port = mp ? [...mp.gatewayListeners.values()].find((p) => p > 0) : undefined;
    return port ? `http://${this.host}:${port}` : undefined;
  }
}

/** chmod 0700 a directory this user owns; leaves others' directories (a shared --log-dir) alone. */
function tighten(dir: string): void {
  try {
    if (statSync(dir).uid === process.getuid?.()) chmodSync(dir, 0o700);
  } catch {
    // Not ours or not there: nothing to tighten.
  }
}

export class MeshConfigError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
  }
}

function storeErrorLines(err: StoreError): string[] {
  const diags = (err as StoreError & { diagnostics?: Parameters<typeof formatDiagnostic>[0][] })
    .diagnostics;
  return diags && diags.length > 0 ? diags.map(formatDiagnostic) : [err.message];
}

/**
 * A snapshot as JSON (Maps become objects), like Envoy's /config_dump: private keys print as
 * `[redacted]` (envoyproxy/envoy source/common/protobuf/utility.cc MessageUtil::redact, applied to
 * fields marked sensitive), and a PEM read from a file prints as that file's name (a DataSource
 * `filename`), never its contents.
 */
export function snapshotJson(snapshot: ProxySnapshot | undefined): unknown {
  return JSON.parse(
    JSON.stringify(snapshot ?? {}, function (this: unknown, k: string, v: unknown) {
      if (k === 'privateKey' && typeof v === 'string' && v !== '') return '[redacted]';
      const files = (this as { sourceFiles?: Record<string, string | undefined> } | null)
        ?.sourceFiles;
      const file = files && k !== 'sourceFiles' ? files[k] : undefined;
      if (file !== undefined) return { filename: file };
      if (v instanceof Map) return Object.fromEntries(v);
      if (Buffer.isBuffer(v)) return v.toString('utf8');
      if (v && typeof v === 'object' && 'fullMatch' in v)
        return (v as unknown as { source: string }).source;
      return v;
    }),
  );
}
