// The compile stage's public face: compileProxy, the incremental SnapshotCache, proxy identities
// for offline use, istioctl-style proxy-config tables, and the snapshot types.
export * from './snapshot.js';
export { compileProxy, type CompileOptions } from './compile-proxy.js';
export { SnapshotCache, reuseUnchanged } from './snapshot-cache.js';
export { runSteps, runStepsSliced, timeSlicer, type Slicer, type Steps } from '../runtime/steps.js';
export type { CompileWarning } from './warnings.js';
export { outboundClusterName, inboundClusterName } from './clusters.js';
export {
  routesTable,
  clustersTable,
  listenersTable,
  endpointsTable,
  describeRouteDomains,
  describeMatch,
} from './proxy-config-writer.js';
export * from './proxy-config-render.js';
export { tabWrite } from './tab-writer.js';
