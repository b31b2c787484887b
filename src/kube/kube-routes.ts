// Everything the admin port answers as a Kubernetes API server: /version, discovery, OpenAPI
// (src/kube/discovery.ts, openapi.ts) and the resources (rest-handler.ts), behind the admin token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { kubeTime, type ConfigStore } from '../config/store.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { customResourceDefinitions } from './crds.js';
import { discoveryResponse } from './discovery.js';
import { openapiResponse } from './openapi.js';
import { KubeApi } from './rest-handler.js';

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

  constructor(options: KubeRoutesOptions) {
    const clock = options.clock ?? systemClock;
    this.api = new KubeApi({
      store: options.store,
      clock,
      ...(options.bookmarkIntervalMs !== undefined
        ? { bookmarkIntervalMs: options.bookmarkIntervalMs }
        : {}),
    });
    const started = kubeTime(clock.now());
    // `kubectl get crd` lists the CRDs Istio installs (and Switchyard's Workload), read-only.
    this.api.objects.setProvider('customresourcedefinitions', 'apiextensions.k8s.io', () =>
      customResourceDefinitions(started),
    );
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
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
