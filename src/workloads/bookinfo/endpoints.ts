// Where Bookinfo services find each other: the originals' env variables and defaults.
// istio/istio samples/bookinfo/src/productpage/productpage.py (DETAILS_HOSTNAME, DETAILS_SERVICE_PORT,
// SERVICES_DOMAIN, ...) and LibertyRestEndpoint.java (RATINGS_HOSTNAME, RATINGS_SERVICE_PORT).

export type BookinfoService = 'details' | 'reviews' | 'ratings';

/** `http://<host><.domain>:<port>` for a Bookinfo service, from env (default `<name>:9080`). */
export function serviceBase(service: BookinfoService, env: NodeJS.ProcessEnv): string {
  const upper = service.toUpperCase();
  const host = env[`${upper}_HOSTNAME`] ?? service;
  const port = env[`${upper}_SERVICE_PORT`] ?? '9080';
  const domain = env.SERVICES_DOMAIN ? `.${env.SERVICES_DOMAIN}` : '';
  return `http://${host}${domain}:${port}`;
}
