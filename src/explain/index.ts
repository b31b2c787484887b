// explain/test's public face: trace a request through a compiled snapshot with the proxy's own
// matcher, render it, and run route tests over it.
export * from './trace.js';
export { renderTrace } from './render.js';
export { buildRequest, parseHeaderFlag, RequestError } from './request.js';
export { locatorFor } from './locate.js';
export type { PossibleFlag } from './flags.js';
export { readTestFile, TestFileError, type PointOfView, type RouteTestCase } from './test-file.js';
export { formatFailure, runCase, type CaseResult, type TestEnvironment } from './test-run.js';
export { renderCoverage, routeCoverage, type CoverageReport } from './coverage.js';
export { junitXml } from './junit.js';
