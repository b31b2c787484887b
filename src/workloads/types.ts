// The contract between the workload registry, the `workload` command and the mesh runner.
import type { Random } from '../runtime/random.js';

export interface WorkloadOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** More ports to serve the same way (Istio's tcp-echo listens on every port of its first argument). */
  extraPorts?: readonly number[];
  /** tcp-echo's reply prefix (its second argument). */
  prefix?: string;
  /**
   * A listening socket inherited from `up` (its file descriptor): served instead of binding `port`,
   * so the port `up` reserved is never free for another process to take (src/mesh/supervisor.ts).
   */
  listenFd?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Workload version label (v1, v2, ...); defaults to SERVICE_VERSION or v1. */
  version?: string;
  /** Environment the workload reads its settings from (service hostnames, HTTP_PROXY, ...). */
  env?: NodeJS.ProcessEnv;
  /** Randomness (httpbin's weighted status pick, trace ids). */
  random?: Random;
  /** Where request log lines go; default none. */
  log?: (line: string) => void;
}

export interface RunningWorkload {
  readonly name: string;
  readonly version: string;
  readonly host: string;
  readonly port: number;
  /** Stops accepting, ends idle keep-alive connections and resolves when closed. */
  close(): Promise<void>;
}

export interface WorkloadDefinition {
  readonly name: string;
  readonly description: string;
  readonly protocol: 'http' | 'tcp';
  /** The port the Istio sample serves on (used when --port is not given). */
  readonly defaultPort: number;
  start(options: WorkloadOptions): Promise<RunningWorkload>;
}
