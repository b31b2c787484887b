// Every analyzer Switchyard runs, by Istio's names (istio/istio pkg/config/analysis/analyzers/all.go)
// plus Switchyard's own checks.
import type { Analyzer } from './types.js';
import { caCertificateAnalyzer } from './analyzers/ca-certificate.js';
import { conflictingGatewayAnalyzer } from './analyzers/conflicting-gateway.js';
import { conflictingMeshGatewayHostsAnalyzer } from './analyzers/conflicting-mesh-gateway-hosts.js';
import { conflictingServiceEntryProtocolAnalyzer } from './analyzers/conflicting-service-entry-protocol.js';
import { deprecationAnalyzer } from './analyzers/deprecation.js';
import { destinationHostAnalyzer } from './analyzers/destination-host.js';
import { destinationRuleAnalyzer } from './analyzers/destination-rule.js';
import { gatewayCertificateAnalyzer } from './analyzers/gateway-certificate.js';
import { gatewaySecretAnalyzer } from './analyzers/gateway-secret.js';
import { ingressGatewayPortAnalyzer } from './analyzers/ingress-gateway-port.js';
import { injectionAnalyzer } from './analyzers/injection.js';
import { jwtClaimRouteAnalyzer } from './analyzers/jwt-claim-route.js';
import { schemaAnalyzers } from './analyzers/schema-validation.js';
import { servicePortNameAnalyzer } from './analyzers/service-port-name.js';
import { serviceEntryAddressesAnalyzer } from './analyzers/service-entry-addresses.js';
import { sidecarSelectorAnalyzer } from './analyzers/sidecar-selector.js';
import { subsetSelectPodAnalyzer } from './analyzers/subset-select-pod.js';
import { virtualServiceGatewayAnalyzer } from './analyzers/virtual-service-gateway.js';
import { SWITCHYARD_ANALYZERS } from './analyzers/switchyard/index.js';

export const ALL_ANALYZERS: readonly Analyzer[] = [
  deprecationAnalyzer,
  caCertificateAnalyzer,
  subsetSelectPodAnalyzer,
  injectionAnalyzer,
  conflictingGatewayAnalyzer,
  gatewayCertificateAnalyzer,
  ingressGatewayPortAnalyzer,
  gatewaySecretAnalyzer,
  ...schemaAnalyzers,
  servicePortNameAnalyzer,
  serviceEntryAddressesAnalyzer,
  conflictingServiceEntryProtocolAnalyzer,
  sidecarSelectorAnalyzer,
  conflictingMeshGatewayHostsAnalyzer,
  destinationHostAnalyzer,
  destinationRuleAnalyzer,
  virtualServiceGatewayAnalyzer,
  jwtClaimRouteAnalyzer,
  ...SWITCHYARD_ANALYZERS,
];

export function findAnalyzer(name: string): Analyzer | undefined {
  return ALL_ANALYZERS.find((a) => a.name === name);
}
