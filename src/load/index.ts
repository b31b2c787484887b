// Public face of the load generator (`switchyard load`).
export { parseLoadArgs, LOAD_USAGE, UsageError, type LoadOptions } from './options.js';
export { runLoad, type LoadResult, type LoadDeps } from './http-runner.js';
export { runPeriodic, planRun, targetElapsedSeconds } from './periodic.js';
export {
  Histogram,
  Counter,
  histogramLines,
  calcPercentile,
  type HistogramData,
} from './histogram.js';
export { formatG } from './go-format.js';
export { resolveFrom, pickProxy, ResolveError, type ProxyInfo } from './resolve-from.js';
