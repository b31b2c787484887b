// The xDS control plane's public face: the ADS server, the generator, the proto codec and file source.
export {
  XdsServer,
  PUSH_ORDER,
  type XdsServerOptions,
  type XdsConnection,
  type TypeWatch,
} from './ads-server.js';
export { generateResources, type Generator, type ResourcesByType } from './generate/index.js';
export { meshFromFiles, type MeshState } from './file-source.js';
export { KubeSource, WATCHED, type KubeSourceOptions } from './kube-source.js';
export { parseNode, identityOf, type XdsNode } from './node.js';
export { DEBUG_SYNCZ, CLIENT_CONFIG, syncStatus } from './syncz.js';
export { TYPE, encodeAny, decodeAny, protoRoot, messageType, type ProtoObject } from './protos.js';
export { validateAny, unknownFields } from './validate.js';
export {
  SECRET_TYPE,
  meshSecrets,
  usesMeshSds,
  type SecretSource,
  type WorkloadCertificate,
} from './secrets.js';
