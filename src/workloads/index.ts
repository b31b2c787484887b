// Public face of the built-in workloads.
export * from './types.js';
export { WORKLOADS, workloadNames } from './registry.js';
export { MeshClient, proxyFromEnv, type MeshRequest, type MeshResponse } from './mesh-client.js';
export {
  startProductpage,
  REVIEWS_UNAVAILABLE,
  DETAILS_UNAVAILABLE,
} from './bookinfo/productpage.js';
export { startDetails } from './bookinfo/details.js';
export { startReviews, RATINGS_UNAVAILABLE, reviewsSettings } from './bookinfo/reviews.js';
export { startRatings } from './bookinfo/ratings.js';
export { startHttpbin } from './httpbin.js';
export { startTcpEcho } from './tcp-echo.js';
export { startSleep } from './sleep.js';
