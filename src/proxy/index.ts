// The data plane's public face: createProxy(), and the pieces other parts may reuse.
export { createProxy, Proxy } from './proxy.js';
export { ConnectionBudget, defaultGlobalConnectionLimit } from './listener/connection-budget.js';
export type { AccessLogOptions, ListenOptions, ProxyOptions } from './proxy.js';
export { formatJson, formatText } from './access-log/format.js';
export { RequestContext } from './context/request-context.js';
export { formatResponseFlags } from './context/response-flags.js';
export { formatGrpcStatus, grpcStatusOf } from './context/grpc-status.js';
export { LOCAL_REPLIES } from './context/local-reply.js';
