/**
 * What `moor start --admin` adds for operators: the gateway's metrics (counted only when they can be
 * read) and the operations routes of the admin listener (src/ops/routes.ts). The routes exist before the
 * gateway does (the listener starts with it), so they reach the operations through `attach`, called
 * once it runs: this process's own, or in a worker of --workers N the whole gateway's, which the primary
 * gathers (src/ops/cluster-operations.ts).
 */
import { DEFAULT_SESSION_COUNT_LIMIT, GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { PrimaryOperations } from '../ops/cluster-operations.ts';
import { LocalOperations } from '../ops/local-operations.ts';
import { type Operations } from '../ops/operations.ts';
import { opsRoutes } from '../ops/routes.ts';
import { type ReloadOutcome } from '../ops/views.ts';
import { type AdminRoute } from '../server/admin/router.ts';
import { type Gateway } from '../server/gateway.ts';
import { type IpcChannel } from '../session/ipc-store.ts';

export class OperatorSurface {
  readonly metrics: GatewayMetrics | undefined;
  readonly routes: AdminRoute[];
  private ops: Operations | undefined;

  constructor(
    enabled: boolean,
    private readonly inWorker: boolean,
    private readonly sessionCountLimit = DEFAULT_SESSION_COUNT_LIMIT,
  ) {
    this.metrics = enabled ? new GatewayMetrics({ sessionCountLimit }) : undefined;
    this.routes = enabled ? opsRoutes(() => this.ops) : [];
  }

  /** Serves the operations of `gw` from now on; returns this process's own (a worker answers the primary with them). */
  attach(gw: Gateway, reload: () => Promise<ReloadOutcome>): LocalOperations | undefined {
    if (!this.metrics) return undefined;
    const local = new LocalOperations(gw, { metrics: this.metrics, sessionCountLimit: this.sessionCountLimit, reload });
    if (this.inWorker) this.ops = new PrimaryOperations(process as IpcChannel);
    else {
      this.ops = local;
      local.history.start();
    }
    return local;
  }
}
