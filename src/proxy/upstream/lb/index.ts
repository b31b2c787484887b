// Creates the load balancer for a cluster's lbPolicy (istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go
// applyLoadBalancer: LEAST_REQUEST default; consistentHash -> RING_HASH or MAGLEV; PASSTHROUGH -> ORIGINAL_DST).
import type { Cluster } from '../../../compile/snapshot.js';
import { Maglev, RingHash } from './consistent-hash.js';
import type { LoadBalancer } from './load-balancer.js';
import { LeastRequest, RandomLb, RoundRobin } from './simple.js';

export type { LbContext, LoadBalancer } from './load-balancer.js';
export { hashString } from './hash.js';

export function createLoadBalancer(cluster: Cluster): LoadBalancer {
  switch (cluster.lbPolicy) {
    case 'ROUND_ROBIN':
      return new RoundRobin();
    case 'RANDOM':
      return new RandomLb();
    case 'RING_HASH':
      return new RingHash(cluster.ringHash?.minimumRingSize ?? 1024);
    case 'MAGLEV':
      return new Maglev(cluster.maglev?.tableSize ?? 65537);
    case 'PASSTHROUGH':
    case 'LEAST_REQUEST':
    default:
      return new LeastRequest();
  }
}
