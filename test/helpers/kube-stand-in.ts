// A stand-in API server for tests: discovery, OpenAPI and empty lists on a real socket, so a real
// kubectl can be pointed at the documents src/kube builds (no store behind it).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { discoveryResponse, responseBytes, type KubeResponse } from '../../src/kube/discovery.js';
import { openapiResponse } from '../../src/kube/openapi.js';
import { findResource, groupVersionString } from '../../src/kube/catalog.js';
import { customResourceDefinitions, findCustomResourceDefinition } from '../../src/kube/crds.js';

const STARTED = '2026-01-01T00:00:00Z';

/** Answers what the stand-in serves: the CRD objects, an empty list for any other collection. */
function list(path: string): KubeResponse | undefined {
  const parts = (path.split('?')[0] ?? '').split('/').filter(Boolean);
  const [group, version, rest] =
    parts[0] === 'api'
      ? ['', parts[1] ?? '', parts.slice(2)]
      : [parts[1] ?? '', parts[2] ?? '', parts.slice(3)];
  const plural = rest[0] === 'namespaces' && rest.length === 3 ? rest[2] : rest[0];
  const r = plural ? findResource(group, version, plural) : undefined;
  if (r?.plural === 'customresourcedefinitions') {
    const one = rest[1] ? findCustomResourceDefinition(rest[1], STARTED) : undefined;
    if (one) return { status: 200, contentType: 'application/json', body: one };
  }
  if (!r || (rest.length !== 1 && rest.length !== 3)) return undefined;
  return {
    status: 200,
    contentType: 'application/json',
    body: {
      kind: r.listKind,
      apiVersion: groupVersionString(group, version),
      metadata: { resourceVersion: '1' },
      items: r.plural === 'customresourcedefinitions' ? customResourceDefinitions(STARTED) : [],
    },
  };
}

/** Starts the stand-in on 127.0.0.1 port 0; resolves with its URL and the server (close it). */
export async function startKubeStandIn(): Promise<{
  url: string;
  server: Server;
  requests: string[];
}> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(`${req.method} ${path} ${req.headers.accept ?? ''}`);
    const answer = discoveryResponse(path, req.headers.accept) ??
      openapiResponse(path, req.headers.accept) ??
      list(path) ?? {
        status: 404,
        contentType: 'application/json',
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
        },
      };
    res.writeHead(answer.status, { 'Content-Type': answer.contentType, ...answer.headers });
    res.end(responseBytes(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, requests };
}
