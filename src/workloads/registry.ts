// The built-in workloads by name, as `switchyard workload <name>` and the mesh runner start them.
import type { WorkloadDefinition } from './types.js';
import { startDetails } from './bookinfo/details.js';
import { startProductpage } from './bookinfo/productpage.js';
import { startRatings } from './bookinfo/ratings.js';
import { startReviews } from './bookinfo/reviews.js';
import { startHttpbin } from './httpbin.js';
import { startSleep } from './sleep.js';
import { startTcpEcho } from './tcp-echo.js';

// Ports are the Istio samples' container ports (bookinfo 9080, httpbin 8080, tcp-echo 9000).
const list: WorkloadDefinition[] = [
  {
    name: 'productpage',
    description: 'Bookinfo product page (v1)',
    protocol: 'http',
    defaultPort: 9080,
    start: startProductpage,
  },
  {
    name: 'details',
    description: 'Bookinfo details (v1)',
    protocol: 'http',
    defaultPort: 9080,
    start: startDetails,
  },
  {
    name: 'reviews',
    description: 'Bookinfo reviews (v1 no stars, v2 black, v3 red)',
    protocol: 'http',
    defaultPort: 9080,
    start: startReviews,
  },
  {
    name: 'ratings',
    description: 'Bookinfo ratings (v1)',
    protocol: 'http',
    defaultPort: 9080,
    start: startRatings,
  },
  {
    name: 'httpbin',
    description: 'httpbin (go-httpbin endpoints)',
    protocol: 'http',
    defaultPort: 8080,
    start: startHttpbin,
  },
  {
    name: 'tcp-echo',
    description: 'TCP echo with a line prefix',
    protocol: 'tcp',
    defaultPort: 9000,
    start: startTcpEcho,
  },
  {
    name: 'sleep',
    description: 'client workload: GET /fetch?url=... calls out through the mesh',
    protocol: 'http',
    defaultPort: 8080,
    start: startSleep,
  },
];

export const WORKLOADS: ReadonlyMap<string, WorkloadDefinition> = new Map([
  ...list.map((w) => [w.name, w] as const),
  // Istio renamed its sleep sample to curl; both names start the client workload
  ['curl', { ...list[list.length - 1]!, name: 'curl' }] as const,
]);

export function workloadNames(): string[] {
  return [...WORKLOADS.keys()];
}
