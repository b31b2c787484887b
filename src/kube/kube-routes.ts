// Everything the admin port answers as a Kubernetes API server: /version, discovery, OpenAPI
// (src/kube/discovery.ts, openapi.ts) and the resources (rest-handler.ts), behind the admin token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { kubeTime, type ConfigStore } from '../config/store.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { customResourceDefinitions } from './crds.js';
import { discoveryResponse } from './discovery.js';
import { openapiResponse } from './openapi.js';
import { KubeApi } from './rest-handler.js';
import { PodSubresources } from './pods/pod-subresources.js';
import type { Duplex } from 'node:stream';

export interface KubeRoutesOptions {
  store: ConfigStore;
  clock?: Clock;
  bookmarkIntervalMs?: number;
}

/** True for the paths a Kubernetes client may ask for. */
export function isKubePath(pathname: string): boolean {
  return (
    pathname === '/version' ||
    pathname === '/api' ||
    pathname.startsWith('/api/') ||
    pathname === '/apis' ||
    pathname.startsWith('/apis/') ||
    pathname.startsWith('/openapi/')
  );
}

export class KubeRoutes {
  readonly api: KubeApi;
  /** exec / portforward / log, served from the kubelet's PodRuntime (setRuntime). */
  readonly pods: PodSubresources;

  constructor(options: KubeRoutesOptions) {
    const clock = options.clock ?? systemClock;
    this.api = new KubeApi({
      store: options.store,
      clock,
      ...(options.bookmarkIntervalMs !== undefined
        ? { bookmarkIntervalMs: options.bookmarkIntervalMs }
        : {}),
    });
    this.pods = new PodSubresources(() => clock.now());
    const started = kubeTime(clock.now());
    // `kubectl get crd` lists the CRDs Istio installs (and Switchyard's Workload), read-only.
    this.api.objects.setProvider('customresourcedefinitions', 'apiextensions.k8s.io', () =>
      customResourceDefinitions(started),
    );
  }

  /** An HTTP upgrade on a Kubernetes path (exec, portforward); anything else is refused. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    if (this.pods.handleUpgrade(req, socket, head, url)) return;
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (this.pods.handleRequest(req, res, url)) return;
    const path = `${url.pathname}${url.search}`;
    if ((req.method ?? 'GET') === 'GET' && !KubeApi.isResourcePath(url.pathname)) {
      const answer =
        discoveryResponse(path, req.headers.accept, { serverAddress: req.headers.host ?? '' }) ??
        openapiResponse(path, req.headers.accept);
      if (answer) {
        // Protobuf answers (/openapi/v2) are bytes; everything else is JSON.
        const bytes =
          answer.body instanceof Uint8Array
            ? Buffer.from(answer.body)
            : Buffer.from(JSON.stringify(answer.body));
        res.writeHead(answer.status, {
          'content-type': answer.contentType,
          'content-length': bytes.length,
          ...answer.headers,
        });
        res.end(bytes);
        return;
      }
    }
    await this.api.handle(req, res, url);
  }
}
