// The YAML conformance case-file format: an Istio manifest, the echo backends and client workloads it
// runs against, and rows of {request, expect}. See test/conformance/README.md for the full reference.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { MeshConfig } from '../../../src/config/index.js';
import { repoRoot } from '../../helpers/shared.js';

export interface WorkloadDecl {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  serviceAccount?: string;
}

export interface RowRequest {
  /** Which proxy receives it: a client's sidecar (virtualOutbound) or the ingress gateway. */
  proxy?: 'sidecar' | 'gateway';
  /** Client workload whose sidecar sends it (sidecar requests); default the first client. */
  from?: string;
  /** Gateway listener port (server port number); default the gateway's first listener. */
  port?: number;
  method?: string;
  /** Host header; for a sidecar `name:port` also selects the outbound listener. */
  host: string;
  /** Path, may carry a query string. */
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Absolute-form request target (`GET http://host/path`). */
  proxyForm?: boolean;
}

export interface RowExpect {
  /** Echo backend that answered; null = none did. */
  backend?: string | null;
  status?: number;
  /** Response headers; a value written `/re/` is a regex (full string not required). */
  headers?: Record<string, string>;
  absentHeaders?: string[];
  /** Headers the backend received; null = must be absent. */
  upstreamHeaders?: Record<string, string | null>;
  /** Path (with query) as the backend received it. */
  path?: string;
  body?: string;
  /** %RESPONSE_FLAGS% from the access-log line; `-` = none. */
  flags?: string;
  details?: string;
  routeName?: string;
  /** %UPSTREAM_CLUSTER%; null = `-` (none). */
  cluster?: string | null;
  /** %REQ(:AUTHORITY)% from the access-log line. */
  authority?: string;
  /** The proxy closed the connection without a response (a TCP chain: `"- - -"` in the log). */
  closed?: boolean;
  /** With `repeat`: true = every response came from one backend; false = more than one. */
  sticky?: boolean;
  /** With `repeat`: how many requests each backend answered. */
  backendCounts?: Record<string, number>;
}

export interface LoadSpec {
  requests: number;
  concurrency: number;
  /** Apply `manifest` after this many requests completed. */
  applyAfter: number;
  manifest: string;
  /** After the swap completes, the backend every later request must reach. */
  backendAfter?: string;
}

export interface Row {
  name: string;
  /** Feature gate: the row is reported as skipped with this reason. */
  skip?: string;
  /** SequenceRandom draws for this row (repeat the last); default a fixed seed. */
  random?: number[];
  /** Send the request this many times (LB policies, stickiness); expect.headers judge the first. */
  repeat?: number;
  /** Per repetition, vary this header / query param / path value (`{i}` is replaced by the index). */
  vary?: { header?: string; query?: string; value: string };
  /** Send cookies set by earlier responses of this row. */
  carryCookies?: boolean;
  /** Snapshot swap under load instead of a single request. */
  load?: LoadSpec;
  request: RowRequest;
  expect: RowExpect;
}

export interface CaseFile {
  file: string;
  description?: string;
  /** Partial mesh config (e.g. outboundTrafficPolicy). */
  mesh?: Partial<MeshConfig>;
  /** Each backend is one echo server; it serves every port of every Service that selects it. */
  backends: WorkloadDecl[];
  /** Source workloads with sidecars (no ports); the first is the default `from`. */
  clients?: WorkloadDecl[];
  /** Start the ingress gateway proxy (`istio-ingressgateway-0.istio-system`). */
  gateway?: boolean;
  /** Istio YAML; `{{port:NAME}}` is replaced by echo backend NAME's port (WorkloadEntry, ServiceEntry). */
  manifest: string;
  cases: Row[];
}

export const casesDir = join(repoRoot, 'test', 'conformance', 'yaml', 'cases');

export function loadCaseFile(path: string): CaseFile {
  const doc = parse(readFileSync(path, 'utf8')) as Omit<CaseFile, 'file'>;
  if (!doc || !Array.isArray(doc.cases) || typeof doc.manifest !== 'string')
    throw new Error(`${path}: needs manifest and cases`);
  return { file: path, ...doc, backends: doc.backends ?? [] };
}

export function caseFiles(): string[] {
  return readdirSync(casesDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(casesDir, f));
}
