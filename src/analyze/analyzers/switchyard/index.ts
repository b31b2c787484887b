// Switchyard's own checks for outage-causing mistakes istioctl does not report (SY0xxx codes).
import type { Analyzer } from '../../types.js';
import { destinationRulePortAnalyzer } from './destination-rule-port.js';
import { gatewayBindingAnalyzer } from './gateway-binding.js';
import { registryOnlyAnalyzer } from './registry-only.js';
import { retryAnalyzer } from './retries.js';
import { retryTimeoutAnalyzer } from './retry-timeout.js';
import { weightAnalyzer } from './weights.js';

export const SWITCHYARD_ANALYZERS: readonly Analyzer[] = [
  weightAnalyzer,
  gatewayBindingAnalyzer,
  retryAnalyzer,
  retryTimeoutAnalyzer,
  registryOnlyAnalyzer,
  destinationRulePortAnalyzer,
];
