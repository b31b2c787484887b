// The registry stage's public face: services, ports, instances and workloads from config + local workloads.
export * from './types.js';
export * from './protocol.js';
export * from './build-registry.js';
export { podWorkloads, localWorkload } from './workloads.js';
export { resolveProxy, identityOf, isGatewayWorkload, proxyNames } from './resolve-proxy.js';
export {
  localityFromLabels,
  localityFromTopologyLabels,
  podLocality,
  withTopologyLabels,
  splitLocality,
} from './locality.js';
export {
  sliceInstances,
  endpointHealth,
  SERVICE_NAME_LABEL,
  type EndpointHealth,
} from './endpoint-slices.js';
export { RegistryCache, REGISTRY_KINDS } from './registry-cache.js';
