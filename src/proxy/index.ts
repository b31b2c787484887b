// The data plane's public face: createProxy(), and the pieces other parts may reuse.
export { createProxy, Proxy } from './proxy.js';
export { ConnectionBudget, defaultGlobalConnectionLimit } from './listener/connection-budget.js';
export type { AccessLogOptions, ListenOptions, ProxyOptions } from './proxy.js';
export { formatJson, formatText } from './access-log/format.js';
export { RequestContext } from './context/request-context.js';
export { formatResponseFlags } from './context/response-flags.js';
export { formatGrpcStatus, grpcStatusOf } from './context/grpc-status.js';
export { LOCAL_REPLIES } from './context/local-reply.js';
// The request path's decisions, for explain/test (the same code the proxy runs; no second matcher).
export {
  failedCondition,
  headerValue,
  matchRoute,
  PATH_CONDITION,
  queryParam,
  ROUTE_MATCHED,
  selectRoute,
  selectVirtualHost,
  type MatchInput,
  type RouteTrace,
  type VirtualHostTrace,
} from './router/route-matcher.js';
export {
  selectListener,
  type Binding,
  type ListenerSelection,
} from './listener/listener-select.js';
export { chainForServerName } from './tls/chain-match.js';
export { l4ChainFor, needsSni, routeForDestination } from './tls/destination-match.js';
export { redirectLocation, rewritePath, splitPath } from './filters/rewrite.js';
