// Where a workload's locality (`region/zone/subzone`) comes from, as Istio reads it: the pod label
// `topology.istio.io/locality` or legacy `istio-locality` (`.` standing for `/`), else the labels of
// the pod's Node (istio/istio pilot/pkg/serviceregistry/kube/controller/controller.go getPodLocality;
// pkg/model/proxy.go GetLocalityLabel, SanitizeLocalityLabel); a WorkloadEntry's `locality` field
// first (serviceentry/conversion.go convertWorkloadEntryToWorkloadInstance).
import type { ConfigSnapshot } from '../config/snapshot.js';

export const LABEL_LOCALITY = 'topology.istio.io/locality';
export const LABEL_LEGACY_LOCALITY = 'istio-locality';
// pilot/pkg/serviceregistry/util/label/label.go.
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_SUBZONE = 'topology.istio.io/subzone';
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
// controller.go NodeRegionLabel / NodeZoneLabel: the pre-GA names, read when the GA ones are absent.
const LABEL_REGION_BETA = 'failure-domain.beta.kubernetes.io/region';
const LABEL_ZONE_BETA = 'failure-domain.beta.kubernetes.io/zone';

/** The locality a label set names, '' when none (GetLocalityLabel + SanitizeLocalityLabel). */
export function localityFromLabels(labels: Readonly<Record<string, string>>): string {
  const v = labels[LABEL_LOCALITY] ?? labels[LABEL_LEGACY_LOCALITY] ?? '';
  if (!v) return '';
  return v.includes('/') ? v : v.split('.').join('/');
}

/**
 * ads.go localityFromProxyLabels: a proxy whose labels carry topology.kubernetes.io/region|zone or
 * topology.istio.io/subzone is in that locality (util.go LocalityToString drops empty trailing parts).
 */
export function localityFromTopologyLabels(labels: Readonly<Record<string, string>>): string {
  const region = labels[LABEL_REGION];
  const zone = labels[LABEL_ZONE];
  const subzone = labels[LABEL_SUBZONE];
  if (region === undefined && zone === undefined && subzone === undefined) return '';
  let out = region ?? '';
  if (!zone) return out;
  out += `/${zone}`;
  if (!subzone) return out;
  return `${out}/${subzone}`;
}

/** getPodLocality: the pod's locality label wins; else `region/zone/subzone` of its Node's labels. */
export function podLocality(
  config: ConfigSnapshot,
  labels: Readonly<Record<string, string>>,
  nodeName: string | undefined,
): string {
  const fromLabel = localityFromLabels(labels);
  if (fromLabel) return fromLabel;
  if (!nodeName) return '';
  const node = config.byKind('Node').find((n) => n.metadata.name === nodeName);
  if (!node) return '';
  const l = node.metadata.labels;
  const region = l[LABEL_REGION] ?? l[LABEL_REGION_BETA] ?? '';
  const zone = l[LABEL_ZONE] ?? l[LABEL_ZONE_BETA] ?? '';
  const subzone = l[LABEL_SUBZONE] ?? '';
  if (!region && !zone && !subzone) return '';
  return `${region}/${zone}/${subzone}`;
}

/** label.go SplitLocalityLabel: `a/b/c/d` keeps `c` as the subzone (the rest is dropped). */
export function splitLocality(locality: string): { region: string; zone: string; subzone: string } {
  const [region = '', zone = '', subzone = ''] = locality.split('/');
  return { region, zone, subzone };
}

/**
 * label.go AugmentLabels: the topology labels Istio adds to endpoint and proxy labels, which
 * DestinationRule failoverPriority compares.
 */
export function withTopologyLabels(
  labels: Readonly<Record<string, string>>,
  locality: string | undefined,
  nodeName?: string,
): Readonly<Record<string, string>> {
  if (!locality && !nodeName) return labels;
  const { region, zone, subzone } = splitLocality(locality ?? '');
  if (!region && !zone && !subzone && !nodeName) return labels;
  const out: Record<string, string> = { ...labels };
  if (region) out[LABEL_REGION] = region;
  if (zone) out[LABEL_ZONE] = zone;
  if (subzone) out[LABEL_SUBZONE] = subzone;
  if (nodeName) out[LABEL_HOSTNAME] = nodeName;
  return out;
}
