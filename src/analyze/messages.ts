// The one table of analysis messages: Istio's codes, names, levels and templates verbatim from
// istio/istio pkg/config/analysis/msg/messages.yaml, plus Switchyard's own SY0xxx checks.
import type { Level } from '../config/index.js';

export interface MessageType {
  code: string;
  name: string;
  level: Level;
  /** Go fmt template (`%s %v %q %d`), rendered by go-format.ts. */
  template: string;
  description: string;
  /** Argument names, in template order. */
  args: readonly string[];
}

/** Istio's messages (istio/istio pkg/config/analysis/msg/messages.yaml). */
const ISTIO_MESSAGES: readonly MessageType[] = [
  {
    code: 'IST0002',
    name: 'Deprecated',
    level: 'Warning',
    template: 'Deprecated: %s',
    description: 'A feature that the configuration is depending on is now deprecated.',
    args: ['detail'],
  },
  {
    code: 'IST0101',
    name: 'ReferencedResourceNotFound',
    level: 'Error',
    template: 'Referenced %s not found: %q',
    description: 'A resource being referenced does not exist.',
    args: ['reftype', 'refval'],
  },
  {
    code: 'IST0102',
    name: 'NamespaceNotInjected',
    level: 'Info',
    template:
      "The namespace is not enabled for Istio injection. Run 'kubectl label namespace %s istio-injection=enabled' to enable it, or 'kubectl label namespace %s istio-injection=disabled' to explicitly mark it as not needing injection.",
    description: 'A namespace is not enabled for Istio injection.',
    args: ['namespace', 'namespace2'],
  },
  {
    code: 'IST0103',
    name: 'PodMissingProxy',
    level: 'Warning',
    template:
      'The pod %s is missing the Istio proxy. This can often be resolved by restarting or redeploying the workload.',
    description: 'A pod is missing the Istio proxy.',
    args: ['podName'],
  },
  {
    code: 'IST0106',
    name: 'SchemaValidationError',
    level: 'Error',
    template: 'Schema validation error: %v',
    description: 'The resource has a schema validation error.',
    args: ['err'],
  },
  {
    code: 'IST0109',
    name: 'ConflictingMeshGatewayVirtualServiceHosts',
    level: 'Error',
    template:
      'The VirtualServices %s associated with mesh gateway define the same host %s which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.',
    description: 'Conflicting hosts on VirtualServices associated with mesh gateway',
    args: ['virtualServices', 'host'],
  },
  {
    code: 'IST0110',
    name: 'ConflictingSidecarWorkloadSelectors',
    level: 'Error',
    template:
      'The Sidecars %v in namespace %q select the same workload pod %q, which can lead to undefined behavior.',
    description: 'A Sidecar resource selects the same workloads as another Sidecar resource',
    args: ['conflictingSidecars', 'namespace', 'workloadPod'],
  },
  {
    code: 'IST0111',
    name: 'MultipleSidecarsWithoutWorkloadSelectors',
    level: 'Error',
    template:
      'The Sidecars %v in namespace %q have no workload selector, which can lead to undefined behavior.',
    description: 'More than one sidecar resource in a namespace has no workload selector',
    args: ['conflictingSidecars', 'namespace'],
  },
  {
    code: 'IST0112',
    name: 'VirtualServiceDestinationPortSelectorRequired',
    level: 'Error',
    template:
      'This VirtualService routes to a service %q that exposes multiple ports %v. Specifying a port in the destination is required to disambiguate.',
    description:
      'A VirtualService routes to a service with more than one port exposed, but does not specify which to use.',
    args: ['destHost', 'destPorts'],
  },
  {
    code: 'IST0118',
    name: 'PortNameIsNotUnderNamingConvention',
    level: 'Info',
    template:
      "Port name %s (port: %d, targetPort: %s) doesn't follow the naming convention of Istio port.",
    description:
      'Port name is not under naming convention. Protocol detection is applied to the port.',
    args: ['portName', 'port', 'targetPort'],
  },
  {
    code: 'IST0128',
    name: 'NoServerCertificateVerificationDestinationLevel',
    level: 'Warning',
    template:
      'DestinationRule %s in namespace %s has TLS mode set to %s but no caCertificates are set to validate server identity for host: %s',
    description:
      'No caCertificates are set in DestinationRule, this results in no verification of presented server certificate.',
    args: ['destinationrule', 'namespace', 'mode', 'host'],
  },
  {
    code: 'IST0129',
    name: 'NoServerCertificateVerificationPortLevel',
    level: 'Warning',
    template:
      'DestinationRule %s in namespace %s has TLS mode set to %s but no caCertificates are set to validate server identity for host: %s at port %s',
    description:
      'No caCertificates are set in DestinationRule, this results in no verification of presented server certificate for traffic to a given port.',
    args: ['destinationrule', 'namespace', 'mode', 'host', 'port'],
  },
  {
    code: 'IST0130',
    name: 'VirtualServiceUnreachableRule',
    level: 'Warning',
    template: 'VirtualService rule %v not used (%s).',
    description:
      'A VirtualService rule will never be used because a previous rule uses the same match.',
    args: ['ruleno', 'reason'],
  },
  {
    code: 'IST0131',
    name: 'VirtualServiceIneffectiveMatch',
    level: 'Info',
    template:
      'VirtualService rule %v match %v is not used (duplicate/overlapping match in rule %v).',
    description: 'A VirtualService rule match duplicates a match in a previous rule.',
    args: ['ruleno', 'matchno', 'dupno'],
  },
  {
    code: 'IST0132',
    name: 'VirtualServiceHostNotFoundInGateway',
    level: 'Warning',
    template: 'one or more host %v defined in VirtualService %s not found in Gateway %s.',
    description: 'Host defined in VirtualService not found in Gateway.',
    args: ['host', 'virtualservice', 'gateway'],
  },
  {
    code: 'IST0133',
    name: 'SchemaWarning',
    level: 'Warning',
    template: 'Schema validation warning: %v',
    description: 'The resource has a schema validation warning.',
    args: ['err'],
  },
  {
    code: 'IST0134',
    name: 'ServiceEntryAddressesRequired',
    level: 'Warning',
    template: 'ServiceEntry addresses are required for this protocol.',
    description:
      'Virtual IP addresses are required for ports serving TCP (or unset) protocol when PILOT_ENABLE_IP_AUTOALLOCATE is not set on a proxy',
    args: [],
  },
  {
    code: 'IST0138',
    name: 'GatewayDuplicateCertificate',
    level: 'Warning',
    template:
      'Duplicate certificate in multiple gateways %v may cause 404s if clients re-use HTTP2 connections.',
    description:
      'Duplicate certificate in multiple gateways may cause 404s if clients re-use HTTP2 connections.',
    args: ['gateways'],
  },
  {
    code: 'IST0140',
    name: 'IngressRouteRulesNotAffected',
    level: 'Warning',
    template: 'Subset in virtual service %s has no effect on ingress gateway %s requests',
    description: 'Route rules have no effect on ingress gateway requests',
    args: ['virtualservicesubset', 'virtualservice'],
  },
  {
    code: 'IST0145',
    name: 'ConflictingGateways',
    level: 'Error',
    template: 'Conflict with gateways %s (workload selector %s, port %s, hosts %v).',
    description: 'Gateway should not have the same selector, port and matched hosts of server',
    args: ['gateway', 'selector', 'portnumber', 'hosts'],
  },
  {
    code: 'IST0149',
    name: 'JwtClaimBasedRoutingWithoutRequestAuthN',
    level: 'Error',
    template:
      'The virtual service uses the JWT claim based routing (key: %s) but found no request authentication for the gateway (%s) pod (%s). The request authentication must first be applied for the gateway pods to validate the JWT token and make the claims available for routing.',
    description: 'Virtual service using JWT claim based routing without request authentication.',
    args: ['key', 'gateway', 'pod'],
  },
  {
    code: 'IST0150',
    name: 'ExternalNameServiceTypeInvalidPortName',
    level: 'Warning',
    template:
      'Port name for ExternalName service is invalid. Proxy may prevent tcp named ports and unmatched traffic for ports serving TCP protocol from being forwarded correctly',
    description:
      'Proxy may prevent tcp named ports and unmatched traffic for ports serving TCP protocol from being forwarded correctly for ExternalName services.',
    args: [],
  },
  {
    code: 'IST0161',
    name: 'InvalidGatewayCredential',
    level: 'Error',
    template:
      'The credential referenced by the Gateway %s in namespace %s is invalid, which can cause the traffic not to work as expected.',
    description: 'The credential provided for the Gateway resource is invalid',
    args: ['gatewayName', 'gatewayNamespace'],
  },
  {
    code: 'IST0162',
    name: 'GatewayPortNotDefinedOnService',
    level: 'Warning',
    template:
      'The gateway is listening on a target port (port %d) that is not defined in the Service associated with its workload instances (Pod selector %s). If you need to access the gateway port through the gateway Service, it will not be available.',
    description: 'Gateway port not exposed by service',
    args: ['port', 'selector'],
  },
  {
    code: 'IST0165',
    name: 'ReferencedInternalGateway',
    level: 'Warning',
    template:
      'Gateway reference in VirtualService %s is to an implementation-generated internal Gateway: %s.',
    description: 'VirtualServices should not reference internal Gateways.',
    args: ['virtualservice', 'gateway'],
  },
  {
    code: 'IST0167',
    name: 'IneffectivePolicy',
    level: 'Warning',
    template: 'The policy has no impact: %s.',
    description: 'The policy applied has no impact.',
    args: ['reason'],
  },
  {
    code: 'IST0173',
    name: 'DestinationRuleSubsetNotSelectPods',
    level: 'Error',
    template:
      'The Subset %s defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).',
    description: 'Subsets defined in destination does not select any pods.',
    args: ['subset'],
  },
  {
    code: 'IST0174',
    name: 'UnknownDestinationRuleHost',
    level: 'Warning',
    template: 'The host %s defined in the DestinationRule does not match any services in the mesh.',
    description: 'Host defined in destination rule does not match any services in the mesh.',
    args: ['host'],
  },
  {
    code: 'IST0177',
    name: 'ConflictingServiceEntryProtocol',
    level: 'Warning',
    template:
      'Multiple ServiceEntries (%s) define the same host %q and port %d with conflicting protocols (%s).',
    description:
      'Multiple ServiceEntries define the same host and port with conflicting protocols.',
    args: ['serviceEntryNames', 'host', 'port', 'protocols'],
  },
];

/** Switchyard's checks for outage-causing mistakes istioctl does not report. */
const SWITCHYARD_MESSAGES: readonly MessageType[] = [
  {
    code: 'SY0001',
    name: 'VirtualServiceWeightsNotHundred',
    level: 'Warning',
    template:
      'The route weights of VirtualService rule %v add up to %d, not 100; Istio scales them proportionally, so traffic will not split as written.',
    description:
      'The weights of a route do not add up to 100. Istio normalizes them, which is rarely what was meant.',
    args: ['rule', 'total'],
  },
  {
    code: 'SY0002',
    name: 'VirtualServiceNotBoundToGateway',
    level: 'Warning',
    template:
      'The VirtualService host %s is served by Gateway %s, but the VirtualService has no gateways field, so it applies only to sidecars (mesh) and ingress traffic never sees it.',
    description:
      'A VirtualService whose hosts match a Gateway server host does not list any gateways, so it binds to the mesh only.',
    args: ['host', 'gateway'],
  },
  {
    code: 'SY0003',
    name: 'RetriesWithoutOutlierDetection',
    level: 'Warning',
    template:
      'VirtualService rule %v retries (%d attempts) to host %s, but no DestinationRule sets outlierDetection for it; retries keep hitting failing endpoints and can turn into a retry storm.',
    description:
      'A route retries requests but its destination has no outlier detection, so failing endpoints are never ejected.',
    args: ['rule', 'attempts', 'host'],
  },
  {
    code: 'SY0004',
    name: 'RouteTimeoutShorterThanRetries',
    level: 'Warning',
    template:
      'VirtualService rule %v has timeout %s, shorter than attempts x perTryTimeout (%d x %s = %s); the route times out before its retries can run.',
    description:
      "A route's overall timeout is shorter than its retry budget, so the later retry attempts never happen.",
    args: ['rule', 'timeout', 'attempts', 'perTryTimeout', 'total'],
  },
  {
    code: 'SY0005',
    name: 'ExternalHostBlockedByRegistryOnly',
    level: 'Error',
    template:
      'Host %q is not in the service registry and the outbound traffic policy is REGISTRY_ONLY; requests to it fail (502) until a ServiceEntry defines it.',
    description:
      'A destination host has no Service or ServiceEntry while outboundTrafficPolicy is REGISTRY_ONLY, so the sidecar blocks the traffic.',
    args: ['host'],
  },
  {
    code: 'SY0006',
    name: 'DestinationRulePortNotExposed',
    level: 'Warning',
    template:
      'DestinationRule portLevelSettings port %d is not exposed by host %s (ports %v); the settings have no effect.',
    description:
      'A DestinationRule port-level traffic policy names a port the service does not expose, so it never applies.',
    args: ['port', 'host', 'ports'],
  },
];

export const MESSAGES: readonly MessageType[] = [...ISTIO_MESSAGES, ...SWITCHYARD_MESSAGES];

const BY_CODE = new Map(MESSAGES.map((m) => [m.code, m]));

/** The message type of a code; throws on an unknown code (a programming error). */
export function messageType(code: string): MessageType {
  const m = BY_CODE.get(code);
  if (!m) throw new Error(`unknown analysis message code ${code}`);
  return m;
}

export function isKnownCode(code: string): boolean {
  return BY_CODE.has(code);
}
