/** The headers the benchmark's Node proxies (baseline-proxy.ts, raw-socket-proxy.ts) do not pass on. */

/** Request headers undici refuses or that belong to one hop only. */
export const DROP_IN = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect', 'proxy-connection', 'te', 'trailer']);

/** Response headers that belong to one hop only. */
export const DROP_OUT = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'te', 'trailer', 'upgrade']);
