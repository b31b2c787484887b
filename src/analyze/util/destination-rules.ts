// Which DestinationRules apply to a destination host seen from a namespace (host match after FQDN
// expansion, exportTo visibility): istio/istio pilot/pkg/model/push_context.go destinationRule lookup.
import {
  hostMatches,
  isVisibleTo,
  type ConfigSnapshot,
  type Resource,
} from '../../config/index.js';
import type { DestinationRuleSpec } from '../../config/istio-types.js';
import { toFqdn } from './service-registry.js';

export function destinationRulesFor(
  snapshot: ConfigSnapshot,
  sourceNs: string,
  host: string,
  domain = 'cluster.local',
): Resource[] {
  const fqdn = toFqdn(sourceNs, host, domain);
  return snapshot.byKind('DestinationRule').filter((dr) => {
    const spec = dr.spec as DestinationRuleSpec;
    if (!isVisibleTo(spec.exportTo, dr.metadata.namespace, sourceNs)) return false;
    return hostMatches(fqdn, toFqdn(dr.metadata.namespace, spec.host ?? '', domain));
  });
}
