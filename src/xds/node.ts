// Who is on the other end of an ADS stream: Istio's node identity `<type>~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`
// (istio/istio pilot/pkg/model/context.go ParseServiceNodeWithMetadata) plus the node metadata istio-agent
// and gRPC bootstraps send (NAMESPACE, LABELS, SERVICE_ACCOUNT, GENERATOR; pilot/pkg/model/context.go NodeMetadata).
import type { ProxyIdentity } from '../compile/index.js';
import { resolveProxy, type Registry } from '../registry/index.js';
import type { Generator } from './generate/index.js';

export interface XdsNode {
  /** The node id as sent. */
  id: string;
  type: 'sidecar' | 'router';
  ip: string;
  /** `<pod>.<ns>`: Istio's proxy name (istioctl proxy-status NAME). */
  proxyName: string;
  pod: string;
  namespace: string;
  /** Node metadata as plain JSON. */
  metadata: Record<string, unknown>;
  generator: Generator;
  locality?: string;
  cluster?: string;
}

/** Parses a node; a string is the reason it is refused. */
export function parseNode(
  node:
    | {
        id?: string;
        cluster?: string;
        metadata?: Record<string, unknown>;
        locality?: Record<string, string>;
      }
    | undefined,
): XdsNode | string {
  if (!node?.id) return 'node.id is required in the first request of a stream';
  const parts = node.id.split('~');
  if (parts.length !== 4)
    return `node.id "${node.id}": want <type>~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local`;
  const [type, ip = '', podNs = '', domain = ''] = parts;
  if (type !== 'sidecar' && type !== 'router')
    return `node.id "${node.id}": unknown node type "${type ?? ''}" (sidecar or router)`;
  const dot = podNs.lastIndexOf('.');
  const metadata = node.metadata ?? {};
  const namespace =
    (typeof metadata.NAMESPACE === 'string' && metadata.NAMESPACE) ||
    (dot > 0 ? podNs.slice(dot + 1) : (domain.split('.')[0] ?? '')) ||
    'default';
  const pod = dot > 0 ? podNs.slice(0, dot) : podNs;
  const loc = node.locality;
  const locality =
    loc && (loc.region || loc.zone)
      ? [loc.region ?? '', loc.zone ?? '', loc.sub_zone ?? ''].join('/')
      : undefined;
  return {
    id: node.id,
    type,
    ip,
    proxyName: `${pod}.${namespace}`,
    pod,
    namespace,
    metadata,
    // istio/istio pilot/pkg/xds/discovery.go: GENERATOR=grpc selects grpcgen.
    generator: metadata.GENERATOR === 'grpc' ? 'grpc' : 'envoy',
    ...(locality ? { locality } : {}),
    ...(node.cluster ? { cluster: node.cluster } : {}),
  };
}

/** The node as a ProxyIdentity: a workload the registry knows by pod name, else one described by its metadata. */
export function identityOf(node: XdsNode, registry: Registry): ProxyIdentity {
  return resolveIdentity(node, registry).identity;
}

/** identityOf, and whether the registry knew the node as one of its workloads. */
export function resolveIdentity(
  node: XdsNode,
  registry: Registry,
): { identity: ProxyIdentity; known: boolean } {
  const known = resolveProxy(registry, node.proxyName, node.namespace);
  // A pod the registry knows (by pod, deployment or prefix) is compiled as that workload, at the node's IP.
  if (known && known.kind === node.type)
    return { identity: { ...known, ip: node.ip || known.ip }, known: true };
  return { identity: described(node), known: false };
}

function described(node: XdsNode): ProxyIdentity {
  const labels: Record<string, string> = {};
  const raw = node.metadata.LABELS;
  if (raw && typeof raw === 'object')
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') labels[k] = v;
  const sa =
    typeof node.metadata.SERVICE_ACCOUNT === 'string' ? node.metadata.SERVICE_ACCOUNT : 'default';
  return {
    kind: node.type,
    id: node.proxyName,
    namespace: node.namespace,
    labels,
    serviceAccount: sa.includes('/sa/') ? sa.slice(sa.lastIndexOf('/') + 1) : sa,
    ip: node.ip,
    ...(node.locality ? { locality: node.locality } : {}),
  };
}

/** google.protobuf.Struct (as protobufjs decodes it, camelCase value kinds) to plain JSON. */
export function fromStruct(s: unknown): Record<string, unknown> {
  const fields = (s as { fields?: Record<string, unknown> } | undefined)?.fields ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = fromValue(v);
  return out;
}

function fromValue(v: unknown): unknown {
  const o = (v ?? {}) as Record<string, unknown>;
  if ('stringValue' in o) return o.stringValue;
  if ('numberValue' in o) return o.numberValue;
  if ('boolValue' in o) return o.boolValue;
  if ('structValue' in o) return fromStruct(o.structValue);
  if ('listValue' in o)
    return ((o.listValue as { values?: unknown[] }).values ?? []).map(fromValue);
  return null;
}
