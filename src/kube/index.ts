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
