// One proxy of the local mesh (a sidecar or a gateway) with what the runner keeps beside it: its
// listeners, its access-log ring and its rotating workload certificate.
import { join } from 'node:path';
import type { ProxyIdentity } from '../model/index.js';
import { createProxy, type ConnectionBudget, type Proxy } from '../proxy/index.js';
import { SeededRandom } from '../runtime/random.js';
import { fnv1a } from '../registry/placeholder-address.js';
import type { AdminProxyHandle } from '../admin/proxy-routes.js';
import type { MeshCa, WorkloadIdentity } from './mesh-ca.js';
import { LogRing } from './log-ring.js';

export type MeshProxyKind = 'sidecar' | 'ingressgateway' | 'egressgateway';

export interface MeshProxy {
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
  /** The config revision last pushed: an older one is never pushed after it. */
  revision: number;
}

export interface MeshProxySpec {
  id: string;
  kind: MeshProxyKind;
  workload: string;
  labels: Record<string, string>;
  namespace: string;
  serviceAccount: string;
  /** The address the proxy is known by (its pod IP). */
  ip: string;
}

export interface MeshProxyContext {
  ca: MeshCa;
  logDir: string;
  accessLogEncoding: 'TEXT' | 'JSON';
  seed?: number;
  /** The downstream connections every proxy of `up` shares (connection-budget.ts). */
  globalConnections?: ConnectionBudget;
  /** Every access-log line, also given to the pod's `istio-proxy` container log. */
  onAccessLog?: (line: string) => void;
}

export function createMeshProxy(spec: MeshProxySpec, ctx: MeshProxyContext): MeshProxy {
  const log = new LogRing(1000);
  const certificate = ctx.ca.workloadIdentity(spec.namespace, spec.serviceAccount);
  const proxy = createProxy({
    name: spec.id,
    // --seed makes weighted picks, load balancing and fault draws reproducible per proxy.
    ...(ctx.seed !== undefined ? { random: new SeededRandom(ctx.seed ^ fnv1a(spec.id)) } : {}),
    // The current certificate, rotated at half its lifetime (mesh-ca.ts WorkloadIdentity).
    identity: certificate.get,
    ...(ctx.globalConnections ? { globalConnections: ctx.globalConnections } : {}),
    accessLog: {
      path: join(ctx.logDir, `${spec.id}.log`),
      encoding: ctx.accessLogEncoding,
      sink: (line) => {
        log.push(line);
        ctx.onAccessLog?.(line);
      },
    },
  });
  return {
    identity: {
      kind: spec.kind === 'sidecar' ? 'sidecar' : 'router',
      id: spec.id,
      namespace: spec.namespace,
      labels: spec.labels,
      serviceAccount: spec.serviceAccount,
      ip: spec.ip,
    },
    kind: spec.kind,
    workload: spec.workload,
    proxy,
    inbound: new Map(),
    gatewayListeners: new Map(),
    log,
    certificate,
    revision: -1,
  };
}

/** The admin routes' view of a proxy. */
export function adminHandle(mp: MeshProxy): AdminProxyHandle {
  return {
    id: mp.identity.id,
    snapshot: () => mp.proxy.snapshot(),
    stats: () => mp.proxy.stats(),
    endpoints: () => mp.proxy.endpoints(),
    logTail: (n) => mp.log.tail(n),
    // What istio-agent would hold over SDS for this proxy: the current workload certificate.
    workloadPems: () => {
      const { certChain, privateKey, rootCert } = mp.certificate.get();
      return { certChain, privateKey, rootCert };
    },
  };
}
