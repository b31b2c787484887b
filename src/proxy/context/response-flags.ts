// Envoy prints response flags comma-joined in bit order, `-` when none
// (envoyproxy/envoy source/common/stream_info/utility.cc ResponseFlagUtils::toShortString).
const ORDER = [
  'LH',
  'UH',
  'UT',
  'LR',
  'UR',
  'UF',
  'UC',
  'UO',
  'NR',
  'DI',
  'FI',
  'RL',
  'UAEX',
  'RLSE',
  'DC',
  'URX',
  'SI',
  'IH',
  'DPE',
  'UMSDR',
  'RFCF',
  'NFCF',
  'DT',
  'UPE',
  'NC',
  'OM',
  'DF',
  'DO',
];
const RANK = new Map(ORDER.map((f, i) => [f, i]));

export function formatResponseFlags(flags: readonly string[]): string {
  if (flags.length === 0) return '-';
  if (flags.length === 1) return flags[0] ?? '-';
  return [...flags].sort((a, b) => (RANK.get(a) ?? 99) - (RANK.get(b) ?? 99)).join(',');
}
