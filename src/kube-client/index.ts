// A small Kubernetes client for control planes: kubeconfig transport and list/watch informers.
export { KubeTransport, type JsonResponse, type WatchStream } from './transport.js';
export {
  Informer,
  type InformerOptions,
  type InformerState,
  type KubeObject,
  type ResourceType,
} from './informer.js';
export { Backoff, type BackoffOptions } from './backoff.js';
