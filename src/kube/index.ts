// The Kubernetes API's self-description: resource catalog, discovery, OpenAPI and CRD objects.
export {
  API_RESOURCES,
  apiGroups,
  findResource,
  findResourceByKind,
  groupVersionString,
  resourcesIn,
  sortVersions,
  type ApiGroup,
  type ApiResource,
  type ApiSubresource,
  type PrinterColumn,
} from './catalog.js';
export {
  AGGREGATED_V2,
  AGGREGATED_V2BETA1,
  KUBE_MAJOR,
  KUBE_MINOR,
  SERVER_GIT_VERSION,
  aggregatedDiscovery,
  apiGroupList,
  apiResourceList,
  apiVersions,
  discoveryResponse,
  parseAccept,
  responseBytes,
  serverVersion,
  servedGroupVersions,
  statusFailure,
  type DiscoveryOptions,
  type KubeResponse,
  type ServerVersionOptions,
} from './discovery.js';
export {
  OPENAPI_V2_PROTOBUF,
  openapiResponse,
  openapiV2Document,
  openapiV3Document,
  openapiV3Index,
  openapiV3Key,
} from './openapi.js';
export { definitionName, type OpenApiSchema } from './openapi-schemas.js';
export {
  crdName,
  crdResources,
  customResourceDefinition,
  customResourceDefinitions,
  findCustomResourceDefinition,
} from './crds.js';
