// PeerAuthentication -> the inbound mTLS mode of a workload per port, resolved as istiod does:
// istio/istio pilot/pkg/security/authn/policy_applier.go ComposePeerAuthentication (mesh, then
// namespace, then workload; UNSET inherits from the level above; port-level UNSET inherits the
// workload's mode; within a level the oldest policy wins), pilot/pkg/model/authentication.go
// (policies from the workload's namespace and the root namespace, selector a subset of the labels;
// one mesh/namespace-level policy per namespace, the oldest) and push_context.go
// BestEffortInferServiceMTLSMode (auto mTLS reads only the namespace/mesh level).
import { labelsMatch } from '../config/names.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Resource } from '../config/types.js';
import type { MutualTlsMode } from './snapshot.js';

/** The effective modes (Istio's model.MutualTLSMode; UNSET is resolved away). */
type MtlsMode = MutualTlsMode;

export interface MergedPeerAuthentication {
  /** The workload's mode (PERMISSIVE when nothing says otherwise). */
  mode: MtlsMode;
  /** Workload port (container / target port) -> mode, from the workload-level portLevelMtls. */
  perPort: ReadonlyMap<number, MtlsMode>;
  /** `name.namespace` of the policies that decided it, mesh first (for proxy-config and docs). */
  policies: readonly string[];
}

interface PeerAuthenticationSpec {
  selector?: { matchLabels?: Record<string, string> };
  mtls?: { mode?: string };
  portLevelMtls?: Record<string, { mode?: string } | null>;
}

function specOf(r: Resource): PeerAuthenticationSpec {
  return (r.spec ?? {}) as PeerAuthenticationSpec;
}

/** model.ConvertToMutualTLSMode; undefined for UNSET (or no mtls block). */
function modeOf(mtls: { mode?: string } | null | undefined): MtlsMode | undefined {
  const m = mtls?.mode;
  return m === 'DISABLE' || m === 'PERMISSIVE' || m === 'STRICT' ? m : undefined;
}

function hasSelector(spec: PeerAuthenticationSpec): boolean {
  return Object.keys(spec.selector?.matchLabels ?? {}).length > 0;
}

/** pilot/pkg/model/config.go configCompareByCreationTime: creation time, then name, then namespace. */
function byCreation(a: Resource, b: Resource): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  if (a.metadata.name !== b.metadata.name) return a.metadata.name < b.metadata.name ? -1 : 1;
  return a.metadata.namespace < b.metadata.namespace
    ? -1
    : a.metadata.namespace > b.metadata.namespace
      ? 1
      : 0;
}

const sortedCache = new WeakMap<ConfigSnapshot, Resource[]>();

/** The snapshot's PeerAuthentications, oldest first (computed once per snapshot). */
function sorted(config: ConfigSnapshot): Resource[] {
  let list = sortedCache.get(config);
  if (!list)
    sortedCache.set(config, (list = [...config.byKind('PeerAuthentication')].sort(byCreation)));
  return list;
}

const ref = (r: Resource): string => `${r.metadata.name}.${r.metadata.namespace}`;

/** The effective PeerAuthentication of a workload (namespace + labels). */
export function peerAuthenticationFor(
  config: ConfigSnapshot,
  rootNamespace: string,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): MergedPeerAuthentication {
  let mesh: Resource | undefined;
  let ns: Resource | undefined;
  let workload: Resource | undefined;
  // Sorted oldest first, so the first policy of each level is the one that wins.
  for (const r of sorted(config)) {
    const inRoot = r.metadata.namespace === rootNamespace;
    if (!inRoot && r.metadata.namespace !== namespace) continue;
    const spec = specOf(r);
    if (!hasSelector(spec)) {
      if (inRoot) mesh ??= r;
      else ns ??= r;
    } else if (!inRoot && labelsMatch(spec.selector?.matchLabels ?? {}, labels)) {
      // A policy with a selector in the root namespace is neither mesh- nor workload-level: ignored.
      workload ??= r;
    }
  }
  let mode: MtlsMode = 'PERMISSIVE';
  const policies: string[] = [];
  for (const r of [mesh, ns, workload]) {
    if (!r) continue;
    policies.push(ref(r));
    mode = modeOf(specOf(r).mtls) ?? mode;
  }
  const perPort = new Map<number, MtlsMode>();
  for (const [port, mtls] of Object.entries((workload && specOf(workload).portLevelMtls) ?? {}))
    perPort.set(Number(port), modeOf(mtls) ?? mode);
  return { mode, perPort, policies };
}

/** policyApplier.GetMutualTLSModeForPort: the port's own mode, else the workload's. */
export function mtlsModeForPort(merged: MergedPeerAuthentication, port: number): MtlsMode {
  return merged.perPort.get(port) ?? merged.mode;
}

/**
 * AuthenticationPolicies.GetNamespaceMutualTLSMode, as BestEffortInferServiceMTLSMode uses it for
 * auto mTLS: the namespace-level mode (UNSET inherits the mesh's), else the mesh-level mode (UNSET =
 * PERMISSIVE), else undefined (no policy: the caller falls back to PERMISSIVE).
 */
export function namespaceMtlsMode(
  config: ConfigSnapshot,
  rootNamespace: string,
  namespace: string,
): MtlsMode | undefined {
  let mesh: Resource | undefined;
  let ns: Resource | undefined;
  for (const r of sorted(config)) {
    if (hasSelector(specOf(r))) continue;
    if (r.metadata.namespace === rootNamespace) mesh ??= r;
    else if (r.metadata.namespace === namespace) ns ??= r;
  }
  const global = mesh ? (modeOf(specOf(mesh).mtls) ?? 'PERMISSIVE') : undefined;
  if (ns) return modeOf(specOf(ns).mtls) ?? global ?? 'PERMISSIVE';
  return global;
}
