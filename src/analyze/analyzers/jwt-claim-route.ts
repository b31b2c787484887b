// virtualservice.JWTClaimRouteAnalyzer (istio/istio pkg/config/analysis/analyzers/virtualservice/
// jwtclaimroute.go): routing on @request.auth.claims needs a RequestAuthentication on the gateway Pods
// (IST0149).
import { labelsMatch, resolveGatewayName, type Resource } from '../../config/index.js';
import type { GatewaySpec, VirtualServiceSpec } from '../../config/istio-types.js';
import type { AnalysisContext, Analyzer } from '../types.js';
import { podsMatching } from '../util/pods.js';

const CLAIM_PREFIX = '@request.auth.claims';

export const jwtClaimRouteAnalyzer: Analyzer = {
  name: 'virtualservice.JWTClaimRouteAnalyzer',
  description:
    'Checks the VirtualService using JWT claim based routing has corresponding RequestAuthentication',
  inputs: ['VirtualService', 'RequestAuthentication', 'Gateway', 'Pod'],
  analyze(ctx) {
    for (const r of ctx.snapshot.byKind('VirtualService')) {
      const vs = r.spec as VirtualServiceSpec;
      const key = claimKey(vs);
      if (!key) continue;
      for (const gwName of vs.gateways ?? []) {
        if (gwName === 'mesh') continue;
        const full = resolveGatewayName(gwName, r.metadata.namespace);
        const slash = full.indexOf('/');
        const gw = ctx.snapshot.get('Gateway', full.slice(0, slash), full.slice(slash + 1));
        if (!gw) continue;
        for (const pod of podsMatching(ctx.snapshot, (gw.spec as GatewaySpec).selector ?? {}))
          if (!hasRequestAuthn(ctx, pod))
            ctx.report('IST0149', r, [key, full, pod.metadata.name], ['spec', 'gateways']);
      }
    }
  },
};

function claimKey(vs: VirtualServiceSpec): string | undefined {
  for (const rule of vs.http ?? [])
    for (const m of rule?.match ?? []) {
      for (const k of Object.keys(m?.headers ?? {})) if (k.startsWith(CLAIM_PREFIX)) return k;
      for (const k of Object.keys(m?.withoutHeaders ?? {}))
        if (k.startsWith(CLAIM_PREFIX)) return k;
    }
  return undefined;
}

function hasRequestAuthn(ctx: AnalysisContext, pod: Resource): boolean {
  const root = ctx.snapshot.meshConfig.rootNamespace;
  return ctx.snapshot.byKind('RequestAuthentication').some((ra) => {
    const ns = ra.metadata.namespace;
    if (ns !== root && ns !== pod.metadata.namespace) return false;
    const sel = (ra.spec as { selector?: { matchLabels?: Record<string, string> } }).selector
      ?.matchLabels;
    return labelsMatch(sel ?? {}, pod.metadata.labels);
  });
}
