// The protocol of a service port, as Istio resolves it (registry decides, compile and proxy read).

export type Protocol = 'http' | 'http2' | 'grpc' | 'https' | 'tls' | 'tcp' | 'unknown';
